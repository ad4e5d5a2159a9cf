using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Options;
using QwenTts.Frontend.Outbound;
using QwenTts.Grains.Interfaces.Jobs;

namespace QwenTts.Frontend.Jobs;

/// <summary>
/// Posts a finished job to its callback_url once, signed (<see cref="CallbackSigner"/>); <see cref="CallbackDelivery"/>
/// retries. The client goes through the outbound guard (no private addresses, no redirects), and the status it records
/// is in our own words with the HTTP status, never the network's error text.
/// </summary>
public sealed class CallbackSender(IHttpClientFactory clients, CallbackSigner signer, IOptions<CallbackOptions> options, TimeProvider clock)
{
    public const string ClientName = "job-callbacks";

    /// <summary>True with "delivered (...)" when the receiver answered 2xx; false with why not.</summary>
    public async Task<(bool Delivered, string Status)> SendAsync(AudioJobView job, int attempt, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(JobResponse.From(job));
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, job.CallbackUrl) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.Add(CallbackSigner.Header, signer.Sign(job.Tenant, clock.GetUtcNow().ToUnixTimeSeconds(), body));
            request.Headers.Add("X-QwenTts-Job", job.Id);
            request.Headers.Add("X-QwenTts-Attempt", attempt.ToString(System.Globalization.CultureInfo.InvariantCulture));
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.Value.Timeout);
            using var response = await clients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            return response.IsSuccessStatusCode
                ? (true, $"delivered (attempt {attempt}, {(int)response.StatusCode})")
                : (false, OutboundFailure.Status(response.StatusCode));
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return (false, OutboundFailure.Describe(ex));
        }
    }
}
