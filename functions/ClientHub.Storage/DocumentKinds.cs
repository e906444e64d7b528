namespace ClientHub.Storage;

/// <summary>Row-key prefixes of <see cref="FirmDocuments"/>. Renaming one orphans the stored rows.</summary>
public static class DocumentKinds
{
    public const string Firm = "firm", Staff = "staff", StaffEmail = "staffemail", Tag = "tag", Account = "account",
        Contact = "contact", Status = "status", Template = "template", Pipeline = "pipeline", WebhookEndpoint = "hook",
        WebhookSubscription = "subscription", Recurrence = "recurrence";

    /// <summary>Index rows: a tag's normalized name (unique per firm), and a copy of each contact under its account.</summary>
    public const string TagName = "tagname", AccountContact = "accountcontact";
}
