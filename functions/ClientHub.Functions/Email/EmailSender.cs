using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Options;
using SendGrid;
using SendGrid.Helpers.Mail;

namespace ClientHub.Functions.Email;

/// <param name="ReplyTo">Where the client's reply goes: the signed inbound address of the item the email is about, if any.</param>
/// <param name="TrackingId">Our id of the email, sent along with it, by which SendGrid's activity feed finds it again.</param>
public sealed record OutgoingEmail(string To, string ToName, string Subject, string HtmlBody, string? ReplyTo = null, string? TrackingId = null);

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

    /// <summary>
    /// The message id under which the provider accepted the email tagged <paramref name="trackingId"/>, or null when it has none
    /// or cannot tell (no activity check configured, or the provider did not answer).
    /// </summary>
    Task<string?> FindAcceptedAsync(string trackingId, CancellationToken cancellationToken);
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
    /// Before sending again an email whose first attempt died unrecorded, ask SendGrid's Email Activity API (a paid add-on, and
    /// a key with Email Activity access) whether it took the first; off, such an email is sent again (DESIGN.md's intent rule).
    /// </summary>
    public bool ActivityCheck { get; set; }

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
    /// <summary>The custom argument (<c>unique_args</c> in the activity feed) that carries <see cref="OutgoingEmail.TrackingId"/>.</summary>
    public const string TrackingArg = "clienthub_email";

    public async Task<SendOutcome> SendAsync(OutgoingEmail email, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (string.IsNullOrEmpty(settings.ApiKey)) return new SendOutcome(EmailStatus.NotSent, null, "SendGrid is not configured (no API key).");

        var client = Client(settings);
        var message = MailHelper.CreateSingleEmail(new EmailAddress(settings.From, settings.FromName), new EmailAddress(email.To, email.ToName),
            email.Subject, plainTextContent: null, htmlContent: email.HtmlBody);
        if (email.ReplyTo is not null) message.ReplyTo = new EmailAddress(email.ReplyTo);
        if (email.TrackingId is not null) message.CustomArgs = new Dictionary<string, string> { [TrackingArg] = email.TrackingId };

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

    /// <remarks>
    /// <c>GET /v3/messages?query=unique_args['clienthub_email']="…"</c>. The feed's <c>msg_id</c> is the <c>X-Message-Id</c> the send
    /// was answered with plus a per-recipient suffix after a dot; the log keeps the former, as event webhooks are matched by it.
    /// The feed is filled asynchronously: an email accepted moments before the crash may not show yet and is then sent again.
    /// </remarks>
    public async Task<string?> FindAcceptedAsync(string trackingId, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.ActivityCheck || string.IsNullOrEmpty(settings.ApiKey)) return null;
        try
        {
            // The client takes the parameters as JSON and joins them into the URL as they are: the query goes in escaped.
            var parameters = JsonSerializer.Serialize(new { limit = 1, query = Uri.EscapeDataString($"unique_args['{TrackingArg}']=\"{trackingId}\"") });
            var response = await Client(settings).RequestAsync(BaseClient.Method.GET, urlPath: "messages", queryParams: parameters,
                cancellationToken: cancellationToken);
            if (!response.IsSuccessStatusCode) return null;
            using var found = JsonDocument.Parse(await response.Body.ReadAsStringAsync(cancellationToken));
            return found.RootElement.TryGetProperty("messages", out var messages) && messages.GetArrayLength() > 0
                && messages[0].TryGetProperty("msg_id", out var id) ? id.GetString()?.Split('.')[0] : null;
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private SendGridClient Client(SendGridOptions settings)
    {
        var clientOptions = new SendGridClientOptions { ApiKey = settings.ApiKey };
        if (!string.IsNullOrEmpty(settings.Host)) clientOptions.Host = settings.Host;
        var http = httpClients.CreateClient(nameof(SendGridEmailSender));
        http.Timeout = settings.Timeout;
        return new SendGridClient(http, clientOptions);
    }
}
