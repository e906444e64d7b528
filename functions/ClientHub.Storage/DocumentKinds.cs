namespace ClientHub.Storage;

/// <summary>Row-key prefixes of <see cref="FirmDocuments"/>. Renaming one orphans the stored rows.</summary>
public static class DocumentKinds
{
    public const string Firm = "firm", Staff = "staff", StaffEmail = "staffemail", Tag = "tag", Account = "account",
        Contact = "contact", Status = "status", Template = "template", Pipeline = "pipeline", WebhookEndpoint = "hook",
        WebhookSubscription = "subscription", Recurrence = "recurrence";
}
