using System.Net;
using Microsoft.Extensions.Options;
using SendGrid;
using SendGrid.Helpers.Mail;

namespace ClientHub.Functions.Email;

/// <param name="ReplyTo">Where the client's reply goes: the signed inbound address of the item the email is about, if any.</param>
public sealed record OutgoingEmail(string To, string ToName, string Subject, string HtmlBody, string? ReplyTo = null);

public enum EmailStatus { Queued, Sent, Delivered, Bounced, NotSent }

public sealed record SendOutcome(EmailStatus Status, string? MessageId, string? Reason);

/// <summary>The boundary to the email provider.</summary>
public interface IEmailSender
{
    /// <summary>
    /// Sends one email. Returns <see cref="EmailStatus.NotSent"/> when no provider is configured;
    /// throws <see cref="EmailSendFailed"/> when the provider refused or failed.
    /// </summary>
    Task<SendOutcome> SendAsync(OutgoingEmail email, CancellationToken cancellationToken);
}

/// <summary>The provider did not take the email. Transient failures are retried by the queue; permanent ones fail the automation at once.</summary>
public sealed class EmailSendFailed(int status, bool transient, string providerMessage)
    : Exception($"SendGrid answered {status}: {providerMessage}")
{
    public int Status { get; } = status;
    public bool Transient { get; } = transient;
    public string ProviderMessage { get; } = providerMessage;
}

public sealed class SendGridOptions
{
    public const string Section = "ClientHub:SendGrid";

    /// <summary>Without a key, emails are logged as <c>notSent</c> and jobs go on.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Base URL of the SendGrid API; tests point it at a recording stub.</summary>
    public string? Host { get; set; }

    public string From { get; set; } = "no-reply@clienthub.local";
    public string FromName { get; set; } = "ClientHub";

    /// <summary>The ECDSA public key (base64) SendGrid signs event webhooks with.</summary>
    public string? WebhookPublicKey { get; set; }

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The domain whose MX points at SendGrid's Inbound Parse (<c>mx.sendgrid.net</c>); item emails get a reply-to address there.
    /// </summary>
    public string? InboundDomain { get; set; }

    /// <summary>
    /// Signs reply-to addresses and is the last path segment of the Inbound Parse URL. Changing it invalidates the reply addresses
    /// of every email already sent (their replies are then dropped) and needs the Inbound Parse URL changed at SendGrid too.
    /// </summary>
    public string? InboundSecret { get; set; }

    /// <summary>Both inbound settings are set: item emails carry a reply-to address, and the inbound route answers.</summary>
    public bool InboundEnabled => !string.IsNullOrEmpty(InboundDomain) && !string.IsNullOrEmpty(InboundSecret);

    /// <summary>The reply-to address for an email about <paramref name="itemId"/>, or null when inbound replies are not set up.</summary>
    public string? ReplyToFor(Core.FirmId firmId, string? itemId) =>
        InboundEnabled && itemId is not null ? Core.Email.ReplyAddress.Build(firmId, itemId, InboundSecret!, InboundDomain!) : null;
}

internal sealed class SendGridEmailSender(IOptions<SendGridOptions> options, IHttpClientFactory httpClients) : IEmailSender
{
    public async Task<SendOutcome> SendAsync(OutgoingEmail email, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (string.IsNullOrEmpty(settings.ApiKey)) return new SendOutcome(EmailStatus.NotSent, null, "SendGrid is not configured (no API key).");

        var clientOptions = new SendGridClientOptions { ApiKey = settings.ApiKey };
        if (!string.IsNullOrEmpty(settings.Host)) clientOptions.Host = settings.Host;
        var http = httpClients.CreateClient(nameof(SendGridEmailSender));
        http.Timeout = settings.Timeout;
        var client = new SendGridClient(http, clientOptions);
        var message = MailHelper.CreateSingleEmail(new EmailAddress(settings.From, settings.FromName), new EmailAddress(email.To, email.ToName),
            email.Subject, plainTextContent: null, htmlContent: email.HtmlBody);
        if (email.ReplyTo is not null) message.ReplyTo = new EmailAddress(email.ReplyTo);

        Response response;
        try
        {
            response = await client.SendEmailAsync(message, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new EmailSendFailed(0, transient: true, e.Message);
        }
        if (response.IsSuccessStatusCode)
            return new SendOutcome(EmailStatus.Sent, response.Headers.TryGetValues("X-Message-Id", out var ids) ? ids.FirstOrDefault() : null, null);

        var status = (int)response.StatusCode;
        var body = await response.Body.ReadAsStringAsync(cancellationToken);
        throw new EmailSendFailed(status, transient: status >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests, body);
    }
}
