using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Npgsql;
using QwenTts.LocalHosting;
using QwenTts.Storage.Tenants;
using static QwenTts.Benchmarks.CommandLineOptions;

namespace QwenTts.Benchmarks;

/// <summary>
/// A long mixed Chinese/English input on a rack of four emulated cards (two silo processes, the frontend process,
/// private PostgreSQL, loopback only): its segments one after another, then spread over several cards, through the
/// real POST /v1/audio/speech. Then the WebSocket: text streamed as an LLM would write it, and per sentence the time
/// from its last piece of text to its first audio. Bounded in count and time.
/// </summary>
public static class LongTextBenchmark
{
    private static readonly string[] Paragraphs =
    [
        "The quarterly report shows steady growth across every region, with the strongest gains in the north. ",
        "今天的会议讨论了明年的预算安排，大家一致认为应该加大对研发的投入，同时控制行政开支。",
        "Please remember that the office will be closed on Friday for maintenance; all meetings move to Monday. ",
        "随着人工智能技术的快速发展，越来越多的企业开始利用语音合成系统为客户提供更加自然流畅的服务体验。",
        "Turn left at the next intersection, then continue straight for about two kilometres until you reach the bridge. ",
        "我们计划在下个月推出新版本的应用程序，新版本将支持更多语言，并且大幅提升了语音识别的准确率。",
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        var characters = int.Parse(Option(args, "--characters", "4096"), CultureInfo.InvariantCulture);
        var model = MiniatureLocator.Ensure("tiny");
        var text = Build(characters);
        var data = Path.Combine(Path.GetTempPath(), "qwentts-longtext-" + Guid.NewGuid().ToString("N")[..8]);
        await using var system = new LocalSystem(new LocalSystemOptions { DataDirectory = data, Ephemeral = true, ClusterId = "longtext" });
        await system.StartPostgresAsync();
        await Task.WhenAll(new[] { "silo-a", "silo-b" }.Select(name =>
            system.StartSiloAsync(new SiloSpec(name, EmulatedCards.SiloArguments(model, new EmulatedCards.Settings())))));
        await using var dataSource = NpgsqlDataSource.Create(system.ConnectionString);
        var tenants = new TenantStore(dataSource);
        await tenants.CreateTenantAsync("bench", "bench", requestsPerMinute: 100_000, charactersPerDay: long.MaxValue / 2);
        var key = (await tenants.CreateKeyAsync("bench")).Key;

        Console.WriteLine($"Long-text benchmark: {text.Length} characters of mixed Chinese/English, 2 silo processes x 2 emulated cards " +
                          "(4 cards, tiny miniature: noise, not speech), PCM over POST /v1/audio/speech on loopback.");
        Console.WriteLine();
        Console.WriteLine("| mode | total s | first audio s | audio s | cards used | speed-up |");
        Console.WriteLine("|---|---:|---:|---:|---|---:|");
        var sequential = await RunHttpAsync(system, key, text, parallel: false);
        Print("sequential", sequential, sequential);
        var parallel = await RunHttpAsync(system, key, text, parallel: true);
        Print("parallel", parallel, sequential);
        Console.WriteLine();
        Console.WriteLine($"First audio, parallel vs sequential: {(parallel.FirstAudio / sequential.FirstAudio - 1) * 100:+0;-0} %.");

        var sentenceCount = int.Parse(Option(args, "--sentences", "12"), CultureInfo.InvariantCulture);
        var latencies = await RunWebSocketAsync(system, key, sentenceCount);
        Console.WriteLine();
        Console.WriteLine($"WebSocket, text sent at ~40 pieces/s (one word or two Han characters each, as an LLM streams), {latencies.Count} sentences: " +
                          "end of a sentence's text to its first audio frame:");
        Console.WriteLine("| p50 s | p90 s | max s |");
        Console.WriteLine("|---:|---:|---:|");
        var sorted = latencies.Order().ToArray();
        Console.WriteLine($"| {Percentile(sorted, 0.5):F2} | {Percentile(sorted, 0.9):F2} | {sorted[^1]:F2} |");
        return 0;
    }

    private sealed record HttpResult(double Total, double FirstAudio, double AudioSeconds, string Cards);

    private static async Task<HttpResult> RunHttpAsync(LocalSystem system, string key, string text, bool parallel)
    {
        var frontend = await system.StartFrontendAsync(extraArguments: [$"--Routing:ParallelSegments={parallel}"]);
        try
        {
            using var client = new HttpClient { BaseAddress = frontend.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
            await WaitForCardsAsync(client, 4);
            using (var warmUp = await client.PostAsync("/v1/audio/speech", new StringContent(
                       JsonSerializer.Serialize(new { input = "Warm up.", voice = "alloy", response_format = "pcm" }), Encoding.UTF8, "application/json")))
            {
                warmUp.EnsureSuccessStatusCode(); // the new frontend's first request pays for its start-up; not measured
            }

            var body = JsonSerializer.Serialize(new { input = text, voice = "alloy", response_format = "pcm", seed = 1 });
            var watch = Stopwatch.StartNew();
            using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v1/audio/speech")
            {
                Content = new StringContent(body, Encoding.UTF8, "application/json"),
            }, HttpCompletionOption.ResponseHeadersRead);
            response.EnsureSuccessStatusCode();
            await using var stream = await response.Content.ReadAsStreamAsync();
            var buffer = new byte[64 * 1024];
            double? first = null;
            long bytes = 0;
            int read;
            while ((read = await stream.ReadAsync(buffer)) > 0)
            {
                first ??= watch.Elapsed.TotalSeconds;
                bytes += read;
            }

            var total = watch.Elapsed.TotalSeconds;
            var requestId = response.Headers.GetValues("X-Request-Id").First();
            var cards = await CardsOfAsync(client, requestId);
            return new HttpResult(total, first ?? total, bytes / 2.0 / 24000, cards);
        }
        finally
        {
            await frontend.Process.StopAsync(TimeSpan.FromSeconds(30));
        }
    }

    /// <summary>Streams sentences piece by piece; per sentence, seconds from its last piece to its first binary frame.</summary>
    private static async Task<List<double>> RunWebSocketAsync(LocalSystem system, string key, int sentenceCount)
    {
        var frontend = await system.StartFrontendAsync();
        using (var client = new HttpClient { BaseAddress = frontend.BaseAddress })
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
            await WaitForCardsAsync(client, 4);
        }

        var sentences = Enumerable.Range(0, sentenceCount).Select(i => Paragraphs[i % Paragraphs.Length].Trim()).ToList();
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + key);
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await socket.ConnectAsync(new Uri(frontend.BaseAddress.ToString().Replace("http://", "ws://") + "v1/audio/speech/stream"), limit.Token);
        await SendAsync(socket, new { type = "session.config", voice = "alloy", response_format = "pcm", seed = 1 }, limit.Token);

        var watch = Stopwatch.StartNew();
        var textEnds = new double[sentences.Count];
        var firstAudio = new double?[sentences.Count];
        var receiver = ReceiveAsync(socket, sentences, firstAudio, watch, limit.Token);
        for (var i = 0; i < sentences.Count; i++)
        {
            foreach (var piece in Pieces(sentences[i] + " "))
            {
                await SendAsync(socket, new { type = "input.text", text = piece }, limit.Token);
                await Task.Delay(25, limit.Token);
            }

            textEnds[i] = watch.Elapsed.TotalSeconds;
        }

        await SendAsync(socket, new { type = "input.done" }, limit.Token);
        await receiver;
        return [.. Enumerable.Range(0, sentences.Count).Where(i => firstAudio[i] is not null).Select(i => firstAudio[i]!.Value - textEnds[i])];
    }

    /// <summary>Reads events until the server closes; maps each server sentence (a segment) back to the sentence it starts.</summary>
    private static async Task ReceiveAsync(ClientWebSocket socket, List<string> sentences, double?[] firstAudio, Stopwatch watch, CancellationToken cancellationToken)
    {
        var buffer = new byte[256 * 1024];
        var mine = 0;
        var remaining = sentences[0].Length;
        var startsSentence = -1;
        for (var messages = 0; messages < 1_000_000; messages++)
        {
            var result = await socket.ReceiveAsync(buffer, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return;
            }

            if (result.MessageType == WebSocketMessageType.Binary)
            {
                if (startsSentence >= 0)
                {
                    firstAudio[startsSentence] ??= watch.Elapsed.TotalSeconds;
                }

                continue;
            }

            using var json = JsonDocument.Parse(buffer.AsMemory(0, result.Count));
            if (json.RootElement.GetProperty("type").GetString() != "audio.start" || mine >= sentences.Count)
            {
                continue;
            }

            startsSentence = remaining == sentences[mine].Length ? mine : -1;
            remaining -= json.RootElement.GetProperty("sentence_text").GetString()!.Length;
            if (remaining <= 0 && ++mine < sentences.Count)
            {
                remaining = sentences[mine].Length;
            }
        }
    }

    /// <summary>The text as an LLM streams it: a word (with its space) or two Han characters at a time.</summary>
    private static IEnumerable<string> Pieces(string text)
    {
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var han = text[i] >= '\u3400';
            if (text[i] == ' ' || (han && i + 1 - start >= 2))
            {
                yield return text[start..(i + 1)];
                start = i + 1;
            }
        }

        if (start < text.Length)
        {
            yield return text[start..];
        }
    }

    private static Task SendAsync(ClientWebSocket socket, object message, CancellationToken cancellationToken) =>
        socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(message), WebSocketMessageType.Text, true, cancellationToken);

    private static async Task<string> CardsOfAsync(HttpClient client, string requestId)
    {
        for (var attempt = 0; attempt < 40; attempt++)
        {
            using var json = JsonDocument.Parse(await client.GetStringAsync("/v1/usage"));
            foreach (var record in json.RootElement.GetProperty("data").EnumerateArray())
            {
                if (record.GetProperty("request_id").GetString() == requestId)
                {
                    return string.Join(" ", record.GetProperty("devices").GetString()!.Split(',').Distinct().Order());
                }
            }

            await Task.Delay(250);
        }

        return "?";
    }

    private static async Task WaitForCardsAsync(HttpClient client, int count)
    {
        for (var attempt = 0; attempt < 120; attempt++)
        {
            using var json = JsonDocument.Parse(await client.GetStringAsync("/v1/devices"));
            if (json.RootElement.GetProperty("data").GetArrayLength() >= count)
            {
                return;
            }

            await Task.Delay(500);
        }

        throw new TimeoutException($"the frontend did not see {count} cards within a minute");
    }

    private static string Build(int characters)
    {
        var builder = new StringBuilder();
        for (var i = 0; builder.Length < characters; i++)
        {
            builder.Append(Paragraphs[i % Paragraphs.Length]);
        }

        return builder.ToString(0, characters);
    }

    private static void Print(string mode, HttpResult result, HttpResult baseline) => Console.WriteLine(
        $"| {mode} | {result.Total:F1} | {result.FirstAudio:F2} | {result.AudioSeconds:F1} | {result.Cards} | {baseline.Total / result.Total:F2}x |");

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
