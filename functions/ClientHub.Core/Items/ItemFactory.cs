using ClientHub.Core.Jobs;
using ClientHub.Core.Templates;

namespace ClientHub.Core.Items;

/// <summary>Instantiates the linked item an automation creates from its template.</summary>
public static class ItemFactory
{
    public static LinkedItem FromTemplate(Template template, string itemId, Job job, DateTimeOffset now)
    {
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        LinkedItem item = template switch
        {
            TaskTemplate t => new TaskItem
            {
                Id = itemId, AccountId = job.AccountId, Title = t.Title, Description = t.Description,
                AssigneeId = t.Assignee?.StaffId ?? (t.Assignee?.Role == TaskAssignee.JobAssignees ? job.AssigneeIds.FirstOrDefault() : null),
                DueDate = t.DueInDays is { } d ? today.AddDays(d) : null,
            },
            RequestTemplate r => new RequestItem
            {
                Id = itemId, AccountId = job.AccountId, Title = r.Title, Description = r.Description,
                Items = r.Items.Select((i, n) => new RequestEntry($"i{n + 1}", i.Title, i.Description, TaskStatus.Todo, [], [])).ToList(),
            },
            OrganizerTemplate o => new OrganizerItem { Id = itemId, AccountId = job.AccountId, Title = o.Title, Questions = o.Questions },
            InvoiceTemplate i => new InvoiceItem
            {
                Id = itemId, AccountId = job.AccountId, Lines = i.Lines, Currency = i.Currency,
                Total = i.Lines.Sum(l => l.Quantity * l.UnitPrice), DueDate = i.DueInDays is { } d ? today.AddDays(d) : null,
            },
            ProposalTemplate p => new ProposalItem
            {
                Id = itemId, AccountId = job.AccountId, Title = p.Title, Body = p.Body, InvoiceTemplateId = p.InvoiceTemplateId,
            },
            MessageTemplate m => new MessageItem
            {
                Id = itemId, AccountId = job.AccountId, Subject = m.Subject, Body = m.Body,
                ClientTasks = m.ClientTasks.Select(t => new ClientTask(t, false)).ToList(),
            },
            _ => throw new ArgumentException($"A {template.Kind} template does not create a linked item.", nameof(template)),
        };
        return item with { JobId = job.Id, StageEntrySeq = job.EntrySeq, CreatedAt = now, UpdatedAt = now };
    }
}
