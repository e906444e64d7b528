using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using ClientHub.Storage;
using DurableTask.AzureStorage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ClientHub.Functions.Tests.Storage;

/// <summary>
/// <c>AzureWebJobsStorage</c> is read the way Functions reads it: a connection string, or an identity-based connection
/// under <c>AzureWebJobsStorage__*</c>. Nothing here reaches Azure: these tests check which connection is chosen and
/// that an incomplete one stops the host at start with the missing setting named.
/// </summary>
public sealed class StorageConnectionTests
{
    private const string AzuriteLike = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;"
        + "BlobEndpoint=http://127.0.0.1:1/devstoreaccount1;QueueEndpoint=http://127.0.0.1:2/devstoreaccount1;"
        + "TableEndpoint=http://127.0.0.1:3/devstoreaccount1;";

    private static StorageConnection Parse(params (string Key, string? Value)[] settings) =>
        StorageConnection.Parse(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, s.Value)))
            .Build());

    /// <summary>The host's builder with these settings, and without the test run's own connection string (it would clash).</summary>
    private static WebApplicationBuilder HostBuilder(params (string Key, string? Value)[] settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.Configuration.AddInMemoryCollection(
            settings.Prepend((Key: "AzureWebJobsStorage", Value: (string?)"")).Select(s => KeyValuePair.Create(s.Key, s.Value)));
        return builder;
    }

    private static string ParseError(params (string Key, string? Value)[] settings) =>
        Assert.Throws<InvalidOperationException>(() => Parse(settings)).Message;

    [Fact]
    public void Nothing_set_means_Azurite_development_storage()
    {
        var connection = Assert.IsType<StorageConnection.ConnectionStringStorage>(Parse());
        Assert.Equal("UseDevelopmentStorage=true", connection.ConnectionString);
    }

    [Fact]
    public void A_connection_string_is_used_as_it_is()
    {
        var connection = Assert.IsType<StorageConnection.ConnectionStringStorage>(Parse(("AzureWebJobsStorage", AzuriteLike)));
        Assert.Equal(AzuriteLike, connection.ConnectionString);
        Assert.Equal(new Uri("http://127.0.0.1:3/devstoreaccount1"), connection.CreateTableServiceClient().Uri);
    }

    [Fact]
    public void An_account_name_gives_the_three_public_endpoints_and_the_client_id_names_the_managed_identity()
    {
        var connection = Assert.IsType<StorageConnection.IdentityStorage>(Parse(
            ("AzureWebJobsStorage:accountName", "clienthubabc"), ("AzureWebJobsStorage:clientId", "11111111-2222-3333-4444-555555555555")));

        Assert.Equal(new Uri("https://clienthubabc.blob.core.windows.net/"), connection.BlobServiceUri);
        Assert.Equal(new Uri("https://clienthubabc.queue.core.windows.net/"), connection.QueueServiceUri);
        Assert.Equal(new Uri("https://clienthubabc.table.core.windows.net/"), connection.TableServiceUri);
        Assert.Equal("11111111-2222-3333-4444-555555555555", connection.ClientId);
    }

    [Fact]
    public void Service_uris_are_used_as_given_and_override_the_ones_an_account_name_implies()
    {
        var all = Assert.IsType<StorageConnection.IdentityStorage>(Parse(
            ("AzureWebJobsStorage:blobServiceUri", "https://b.example.net/"),
            ("AzureWebJobsStorage:queueServiceUri", "https://q.example.net/"),
            ("AzureWebJobsStorage:tableServiceUri", "https://t.example.net/")));
        Assert.Equal(new Uri("https://q.example.net/"), all.QueueServiceUri);
        Assert.Null(all.ClientId);

        var mixed = Assert.IsType<StorageConnection.IdentityStorage>(Parse(
            ("AzureWebJobsStorage:accountName", "clienthubabc"), ("AzureWebJobsStorage:tableServiceUri", "https://t.example.net/")));
        Assert.Equal(new Uri("https://t.example.net/"), mixed.TableServiceUri);
        Assert.Equal(new Uri("https://clienthubabc.queue.core.windows.net/"), mixed.QueueServiceUri);
    }

    [Fact]
    public void A_client_id_without_an_account_is_an_incomplete_identity_connection_naming_what_is_missing()
    {
        var error = ParseError(("AzureWebJobsStorage:clientId", "11111111-2222-3333-4444-555555555555"));
        Assert.Contains(
            "AzureWebJobsStorage__blobServiceUri, AzureWebJobsStorage__queueServiceUri, AzureWebJobsStorage__tableServiceUri are missing", error);
    }

    [Fact]
    public void Two_service_uris_without_the_third_name_the_missing_one()
    {
        var error = ParseError(
            ("AzureWebJobsStorage:blobServiceUri", "https://b.example.net/"), ("AzureWebJobsStorage:queueServiceUri", "https://q.example.net/"));
        Assert.Contains("AzureWebJobsStorage__tableServiceUri is missing", error);
    }

    [Fact]
    public void A_connection_string_and_identity_settings_together_are_refused()
    {
        var error = ParseError(("AzureWebJobsStorage", AzuriteLike), ("AzureWebJobsStorage:accountName", "clienthubabc"));
        Assert.Contains("both AzureWebJobsStorage (a connection string) and AzureWebJobsStorage__accountName are set", error);
    }

    [Theory]
    [InlineData("AzureWebJobsStorage:blobServiceUri", "http://b.example.net/", "is not an absolute https:// URI")]
    [InlineData("AzureWebJobsStorage:blobServiceUri", "b.example.net", "is not an absolute https:// URI")]
    [InlineData("AzureWebJobsStorage:accountName", "Not_An_Account", "is not a storage account name")]
    [InlineData("AzureWebJobsStorage:credential", "clientsecret", "the only value is 'managedidentity'")]
    [InlineData("AzureWebJobsStorage:acountName", "clienthubabc", "AzureWebJobsStorage__acountName is not a setting")]
    public void A_malformed_identity_setting_is_refused_with_its_name(string key, string value, string expected)
    {
        Assert.Contains(expected, ParseError((key, value), ("AzureWebJobsStorage:queueServiceUri", "https://q.example.net/")));
    }

    [Fact]
    public void A_connection_string_never_shows_its_key_when_printed()
    {
        Assert.DoesNotContain("a2V5", Parse(("AzureWebJobsStorage", AzuriteLike)).ToString());
    }

    [Fact]
    public void The_host_refuses_to_start_on_an_incomplete_identity_connection()
    {
        var builder = HostBuilder(("AzureWebJobsStorage:clientId", "11111111-2222-3333-4444-555555555555"));

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddClientHub());
        Assert.Contains("The storage connection is misconfigured", error.Message);
    }

    [Fact]
    public void With_an_identity_connection_every_storage_client_and_the_durable_task_engine_use_the_account_endpoints()
    {
        using var app = HostBuilder(
            ("AzureWebJobsStorage:accountName", "clienthubabc"), ("AzureWebJobsStorage:clientId", "11111111-2222-3333-4444-555555555555"))
            .AddClientHub().Build();

        Assert.Equal("clienthubabc", app.Services.GetRequiredService<TableServiceClient>().AccountName);
        Assert.Equal("clienthubabc", app.Services.GetRequiredService<QueueServiceClient>().AccountName);
        Assert.Equal("clienthubabc", app.Services.GetRequiredService<BlobServiceClient>().AccountName);
        var engine = app.Services.GetRequiredService<StorageAccountClientProvider>();
        Assert.Equal(new Uri("https://clienthubabc.queue.core.windows.net/"), engine.Queue.CreateClient(new QueueClientOptions()).Uri);
        Assert.Equal(new Uri("https://clienthubabc.table.core.windows.net/"), engine.Table.CreateClient(new TableClientOptions()).Uri);
    }
}
