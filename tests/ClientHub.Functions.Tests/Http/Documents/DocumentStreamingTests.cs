using System.Diagnostics;
using System.Security.Cryptography;
using ClientHub.Functions.Tests.Infrastructure;

namespace ClientHub.Functions.Tests.Http.Documents;

/// <summary>Measured alone: other test classes running in parallel in this process would move its working set.</summary>
[CollectionDefinition(nameof(MemoryMeasurement), DisableParallelization = true)]
public sealed class MemoryMeasurement;

[Collection(nameof(MemoryMeasurement))]
public sealed class DocumentStreamingTests(ClientHubHost host) : IClassFixture<ClientHubHost>
{
    private const long FiftyMebibytes = 50L * 1024 * 1024;

    [Fact]
    public async Task A_50_MiB_upload_streams_through_without_the_process_holding_it()
    {
        var firm = await host.CreateFirmAsync();
        var accountId = await firm.CreateAccountAsync();
        // Warm up the route, the storage clients and the block buffer, so the measurement sees the upload alone.
        await host.StreamingClient(firm.ApiKey).UploadAsync(accountId, DocumentUploads.Pdf, "warm-up.pdf").ExpectAsync(201);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var baseline = process.WorkingSet64;

        var peak = baseline;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                process.Refresh();
                peak = Math.Max(peak, process.WorkingSet64);
                await Task.Delay(20);
            }
        });

        // StreamContent over a generating stream: no Content-Length, sent chunked, never a byte[] of the file on either side.
        var form = DocumentUploads.Form(new GeneratedPdf(FiftyMebibytes), "ledger.pdf");
        var client = host.StreamingClient(firm.ApiKey);
        var document = await client.PostAsync($"/api/accounts/{accountId}/documents", form).ExpectAsync(201);
        await sampling.CancelAsync();
        await sampler;

        var growth = peak - baseline;
        Assert.True(growth < 20 * 1024 * 1024, $"the working set grew by {growth / (1024 * 1024.0):F1} MiB during a 50 MiB upload");
        Assert.Equal(FiftyMebibytes, document["size"]!.GetValue<long>());
        Assert.Equal("application/pdf", document["contentType"]!.GetValue<string>());

        var download = await client.GetAsync($"/api/documents/{document.Id()}/content", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(FiftyMebibytes, download.Content.Headers.ContentLength);
        await using var downloaded = await download.Content.ReadAsStreamAsync();
        Assert.Equal(await SHA256.HashDataAsync(new GeneratedPdf(FiftyMebibytes)), await SHA256.HashDataAsync(downloaded));
    }

    /// <summary>A PDF header followed by a deterministic byte pattern, produced as it is read.</summary>
    private sealed class GeneratedPdf(long length) : Stream
    {
        private static readonly byte[] Header = "%PDF-1.7\n"u8.ToArray();
        private long _position;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = (int)Math.Min(buffer.Length, length - _position);
            for (var i = 0; i < n; i++, _position++)
                buffer[i] = _position < Header.Length ? Header[_position] : (byte)(_position * 31 % 251);
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => new(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
