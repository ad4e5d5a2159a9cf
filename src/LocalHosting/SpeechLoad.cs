using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;

namespace QwenTts.LocalHosting;

/// <summary>
/// Steady speech load over HTTP, bounded in count and time: one request every interval, each classified as
/// completed (200 and the whole body), refused (a 4xx/5xx problem: clear and retryable), broken (the stream was cut
/// after it started: also clear) or lost (no answer within the deadline: must never happen).
/// </summary>
public static class SpeechLoad
{
    public enum Kind
    {
        Completed,
        Refused,
        Broken,
        Lost,
    }

    public sealed record Outcome(Kind Kind, int Status, TimeSpan SentAt, TimeSpan Took, string Detail);

    public static async Task<IReadOnlyList<Outcome>> RunAsync(HttpClient client, TimeSpan interval, int count, Func<int, object> body,
        TimeSpan deadline, Func<int, Task>? beforeRequest = null)
    {
        var clock = Stopwatch.StartNew();
        var running = new List<Task<Outcome>>();
        for (var i = 0; i < count; i++)
        {
            if (beforeRequest is not null)
            {
                await beforeRequest(i);
            }

            running.Add(OneAsync(client, body(i), clock, deadline));
            await Task.Delay(interval);
        }

        return await Task.WhenAll(running);
    }

    private static async Task<Outcome> OneAsync(HttpClient client, object body, Stopwatch clock, TimeSpan deadline)
    {
        var sentAt = clock.Elapsed;
        using var timeout = new CancellationTokenSource(deadline);
        var status = 0;
        try
        {
            using var response = await client.PostAsJsonAsync("/v1/audio/speech", body, timeout.Token);
            status = (int)response.StatusCode;
            var bytes = await response.Content.ReadAsByteArrayAsync(timeout.Token);
            var took = clock.Elapsed - sentAt;
            return response.StatusCode == HttpStatusCode.OK
                ? new Outcome(bytes.Length > 0 ? Kind.Completed : Kind.Broken, status, sentAt, took, $"{bytes.Length} bytes")
                : new Outcome(Kind.Refused, status, sentAt, took, System.Text.Encoding.UTF8.GetString(bytes));
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return new Outcome(Kind.Lost, status, sentAt, clock.Elapsed - sentAt, "no answer before the deadline");
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            return new Outcome(Kind.Broken, status, sentAt, clock.Elapsed - sentAt, ex.Message);
        }
    }

    public static string Summary(IReadOnlyList<Outcome> outcomes) =>
        string.Join(", ", Enum.GetValues<Kind>().Select(k => $"{k.ToString().ToLowerInvariant()} {outcomes.Count(o => o.Kind == k)}")) +
        $" of {outcomes.Count} sent";
}
