using System.Text.Json;
using Azure.Storage.Queues;
using ClientHub.Core;
using ClientHub.Core.Firms;
using ClientHub.Core.Jobs;
using ClientHub.Functions.Jobs;
using ClientHub.Functions.Tests.Infrastructure;
using ClientHub.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace ClientHub.Functions.Tests.Hosting;

/// <summary>
/// <c>POST /api/admin/poison/{queue}/replay</c> on the real host against Azurite: messages put on the poison queue with a
/// real <see cref="QueueClient"/> go back to the work queue once each, where the queue trigger consumes them.
/// </summary>
public sealed class PoisonReplayTests(ClientHubHost host) : IClassFixture<ClientHubHost>
{
    private const string Route = "/api/admin/poison/links/replay";

    [Fact]
    public async Task An_owner_replays_every_poisoned_message_and_the_links_trigger_consumes_them()
    {
        var firm = await host.CreateFirmAsync();
        var (work, poison) = Queues(host);
        for (var i = 0; i < 3; i++)
            await poison.SendMessageAsync(LinkSync(firm.Id));

        var body = await firm.Owner.PostAsync(Route, content: null).ExpectAsync(200);

        Assert.Equal(3, body["replayed"]!.GetValue<int>());
        Assert.Equal(0, await CountAsync(poison));
        await Eventually.HoldsAsync(() => CountAsync(work), count => count == 0, "the replayed messages are consumed");
        Assert.Equal(0, await CountAsync(poison)); // consumed, not poisoned again
    }

    [Fact]
    public async Task Replaying_an_empty_poison_queue_moves_nothing()
    {
        var firm = await host.CreateFirmAsync();
        var body = await firm.Owner.PostAsync(Route, content: null).ExpectAsync(200);
        Assert.Equal(0, body["replayed"]!.GetValue<int>());
    }

    [Theory]
    [InlineData(StaffRole.Admin)]
    [InlineData(StaffRole.Staff)]
    public async Task Only_an_owner_may_replay(StaffRole role)
    {
        var firm = await host.CreateFirmAsync();
        var (_, client) = await host.AddStaffMemberAsync(firm, role);
        var response = await client.PostAsync(Route, content: null);
        Assert.Equal(403, (int)response.StatusCode);
        Assert.True(response.IsProblem());
    }

    [Fact]
    public async Task A_queue_no_trigger_listens_on_is_not_found()
    {
        var firm = await host.CreateFirmAsync();
        var response = await firm.Owner.PostAsync("/api/admin/poison/nosuchqueue/replay", content: null);
        Assert.Equal(404, (int)response.StatusCode);
        Assert.True(response.IsProblem());
    }

    [Fact]
    public async Task Anonymous_callers_are_unauthorized()
    {
        Assert.Equal(401, (int)(await host.Anonymous().PostAsync(Route, content: null)).StatusCode);
    }

    internal static (QueueClient Work, QueueClient Poison) Queues(ClientHubHost host)
    {
        var names = host.Services.GetRequiredService<StorageNames>();
        var service = new QueueServiceClient(ClientHubHost.StorageConnectionString,
            new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        var work = names.Queue(EngineOptions.LinksQueue);
        return (service.GetQueueClient(work), service.GetQueueClient(work + "-poison"));
    }

    /// <summary>A sync of an item that does not exist: a well-formed message the trigger handles as a no-op.</summary>
    internal static string LinkSync(FirmId firm) =>
        JsonSerializer.Serialize(new LinkSyncMessage(firm, Ids.New(), Actor.System), ClientHubJson.Stored);

    internal static async Task<int> CountAsync(QueueClient queue) => (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount;
}

/// <summary>On an instance without the queues role, replayed messages wait on the work queue, bodies unchanged, each once.</summary>
public sealed class PoisonReplayWithoutListenerTests(PoisonReplayWithoutListenerTests.HttpOnlyHost host)
    : IClassFixture<PoisonReplayWithoutListenerTests.HttpOnlyHost>
{
    public sealed class HttpOnlyHost : ClientHubHost
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings => [KeyValuePair.Create<string, string?>("ClientHub:Roles", "http")];
    }

    [Fact]
    public async Task Replayed_messages_are_back_on_the_work_queue_once_each_with_their_bodies()
    {
        var firm = await host.CreateFirmAsync();
        var (work, poison) = PoisonReplayTests.Queues(host);
        string[] bodies = [PoisonReplayTests.LinkSync(firm.Id), "not json: a body the trigger would fail on", PoisonReplayTests.LinkSync(firm.Id)];
        foreach (var body in bodies)
            await poison.SendMessageAsync(body);

        var replay = await firm.Owner.PostAsync("/api/admin/poison/links/replay", content: null).ExpectAsync(200);

        Assert.Equal(3, replay["replayed"]!.GetValue<int>());
        Assert.Equal(0, await PoisonReplayTests.CountAsync(poison));
        var waiting = (await work.PeekMessagesAsync(32)).Value.Select(m => m.Body.ToString()).Order().ToList();
        Assert.Equal(bodies.Order().ToList(), waiting);
    }
}
