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

    /// <param name="FirstAudio">From sending to the first byte of the body (null when none came).</param>
    public sealed record Outcome(Kind Kind, int Status, TimeSpan SentAt, TimeSpan Took, string Detail, TimeSpan? FirstAudio = null);

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
        TimeSpan? firstAudio = null;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/audio/speech") { Content = JsonContent.Create(body) };
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            status = (int)response.StatusCode;
            await using var content = await response.Content.ReadAsStreamAsync(timeout.Token);
            var bytes = new MemoryStream();
            var buffer = new byte[16384];
            int read;
            while ((read = await content.ReadAsync(buffer, timeout.Token)) > 0)
            {
                firstAudio ??= clock.Elapsed - sentAt;
                bytes.Write(buffer, 0, read);
            }

            var took = clock.Elapsed - sentAt;
            return response.StatusCode == HttpStatusCode.OK
                ? new Outcome(bytes.Length > 0 ? Kind.Completed : Kind.Broken, status, sentAt, took, $"{bytes.Length} bytes", firstAudio)
                : new Outcome(Kind.Refused, status, sentAt, took, System.Text.Encoding.UTF8.GetString(bytes.ToArray()));
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return new Outcome(Kind.Lost, status, sentAt, clock.Elapsed - sentAt, "no answer before the deadline", firstAudio);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            return new Outcome(Kind.Broken, status, sentAt, clock.Elapsed - sentAt, ex.Message, firstAudio);
        }
    }

    /// <summary>First audio of the requests sent in [<paramref name="from"/>, <paramref name="to"/>): p50 and the slowest, in seconds.</summary>
    public static (double P50, double Max) FirstAudio(IEnumerable<Outcome> outcomes, TimeSpan from, TimeSpan to)
    {
        var times = outcomes.Where(o => o.SentAt >= from && o.SentAt < to && o.FirstAudio is not null)
            .Select(o => o.FirstAudio!.Value.TotalSeconds).Order().ToArray();
        return times.Length == 0 ? (double.NaN, double.NaN) : (times[times.Length / 2], times[^1]);
    }

    public static string Summary(IReadOnlyList<Outcome> outcomes) =>
        string.Join(", ", Enum.GetValues<Kind>().Select(k => $"{k.ToString().ToLowerInvariant()} {outcomes.Count(o => o.Kind == k)}")) +
        $" of {outcomes.Count} sent";
}
