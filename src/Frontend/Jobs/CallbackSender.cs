using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Options;
using QwenTts.Grains.Interfaces.Jobs;

namespace QwenTts.Frontend.Jobs;

/// <summary>Posts a finished job to its callback_url, signed (<see cref="CallbackSigner"/>), retrying with doubling waits; the outcome is kept on the job.</summary>
public sealed partial class CallbackSender(
    IHttpClientFactory clients, CallbackSigner signer, IOptions<CallbackOptions> options, TimeProvider clock, ILogger<CallbackSender> logger)
{
    public const string ClientName = "job-callbacks";

    public async Task<string> SendAsync(AudioJobView job, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var body = JsonSerializer.SerializeToUtf8Bytes(JobResponse.From(job));
        var delay = o.InitialDelay;
        var last = "";
        for (var attempt = 1; attempt <= o.MaxAttempts; attempt++)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, job.CallbackUrl) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                request.Headers.Add(CallbackSigner.Header, signer.Sign(job.Tenant, clock.GetUtcNow().ToUnixTimeSeconds(), body));
                request.Headers.Add("X-QwenTts-Job", job.Id);
                request.Headers.Add("X-QwenTts-Attempt", attempt.ToString(System.Globalization.CultureInfo.InvariantCulture));
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(o.Timeout);
                using var response = await clients.CreateClient(ClientName).SendAsync(request, timeout.Token);
                if (response.IsSuccessStatusCode)
                {
                    return $"delivered (attempt {attempt}, {(int)response.StatusCode})";
                }

                last = $"HTTP {(int)response.StatusCode}";
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                last = ex.Message;
            }

            LogCallbackFailed(job.Id, attempt, o.MaxAttempts, last);
            if (attempt < o.MaxAttempts)
            {
                await Task.Delay(delay, clock, cancellationToken);
                delay *= 2;
            }
        }

        return $"failed after {o.MaxAttempts} attempts: {last}";
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Job}: callback attempt {Attempt}/{Max} failed: {Reason}")]
    private partial void LogCallbackFailed(string job, int attempt, int max, string reason);
}
