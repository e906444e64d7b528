using System.Text.Json;

namespace ClientHub.Core.Tests;

public sealed class IdsTests
{
    private sealed record Carrier(FirmId FirmId, JobId JobId, JobId? OtherJobId, IReadOnlyList<JobId> JobIds);

    [Theory]
    [MemberData(nameof(BothOptions))]
    public void Typed_ids_are_written_as_plain_json_strings(string name)
    {
        var json = JsonSerializer.Serialize(new Carrier(new FirmId("f1"), new JobId("j1"), null, [new JobId("j2")]), Options(name));

        Assert.Equal("""{"firmId":"f1","jobId":"j1","otherJobId":null,"jobIds":["j2"]}""", json);
    }

    [Theory]
    [MemberData(nameof(BothOptions))]
    public void Typed_ids_are_read_from_plain_json_strings(string name)
    {
        var carrier = JsonSerializer.Deserialize<Carrier>("""{"firmId":"f1","jobId":"j1","otherJobId":"j3","jobIds":["j2"]}""", Options(name))!;

        Assert.Equal(new FirmId("f1"), carrier.FirmId);
        Assert.Equal(new JobId("j1"), carrier.JobId);
        Assert.Equal(new JobId("j3"), carrier.OtherJobId);
        Assert.Equal([new JobId("j2")], carrier.JobIds);
    }

    [Fact]
    public void A_job_id_that_is_not_a_string_is_invalid_json_input()
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Carrier>("""{"firmId":"f1","jobId":7,"otherJobId":null,"jobIds":[]}""", ClientHubJson.Options));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Carrier>("""{"firmId":null,"jobId":"j1","otherJobId":null,"jobIds":[]}""", ClientHubJson.Options));
    }

    [Fact]
    public void A_derived_id_is_the_same_for_the_same_key_well_formed_and_differs_for_another_key()
    {
        var id = Ids.Derived("recurrence|r|0|account|3");

        Assert.Equal(id, Ids.Derived("recurrence|r|0|account|3"));
        Assert.Matches("^[a-z2-7]{20}$", id);
        Assert.NotEqual(id, Ids.Derived("recurrence|r|0|account|4"));
    }

    [Fact]
    public void Ids_print_as_their_value() =>
        Assert.Equal("firm f1, job j1", $"firm {new FirmId("f1")}, job {new JobId("j1")}");

    public static TheoryData<string> BothOptions() => [nameof(ClientHubJson.Options), nameof(ClientHubJson.Stored)];

    private static JsonSerializerOptions Options(string name) => name == nameof(ClientHubJson.Stored) ? ClientHubJson.Stored : ClientHubJson.Options;
}
