using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using QwenTts.TestSupport;

namespace QwenTts.Jobs.FunctionalTests;

internal static class JobsApi
{
    public static async Task<JsonElement> CreateAsync(HttpClient client, object body)
    {
        using var response = await client.PostAsJsonAsync("/v1/audio/jobs", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"POST /v1/audio/jobs answered {(int)response.StatusCode}: {text}");
        Assert.Equal($"/v1/audio/jobs/{JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()}", response.Headers.Location?.OriginalString);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<JsonElement> GetAsync(HttpClient client, string id)
    {
        using var response = await client.GetAsync($"/v1/audio/jobs/{id}");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET job answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static string Status(JsonElement job) => job.GetProperty("status").GetString()!;

    public static int Done(JsonElement job) => job.GetProperty("progress").GetProperty("segments_done").GetInt32();

    public static Task<JsonElement> WaitForAsync(Func<HttpClient> client, string id, Func<JsonElement, bool> condition, TimeSpan timeout, string what, Action<string>? log = null) =>
        Eventually.HoldsAsync(async () =>
        {
            using var http = client();
            var watch = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                using var response = await http.GetAsync($"/v1/audio/jobs/{id}");
                log?.Invoke($"{DateTime.UtcNow:HH:mm:ss.fff} GET {(int)response.StatusCode} in {watch.ElapsedMilliseconds} ms: {Head(await response.Content.ReadAsStringAsync())}");
                if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                {
                    // The job's grain was on a silo that just died: the frontend says so (problem+json) until it is re-placed.
                    await ProblemDetailAsync(response);
                    return default;
                }

                var text = await response.Content.ReadAsStringAsync();
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET job answered {(int)response.StatusCode}: {text}");
                return JsonDocument.Parse(text).RootElement.Clone();
            }
            catch (HttpRequestException ex)
            {
                log?.Invoke($"{DateTime.UtcNow:HH:mm:ss.fff} GET failed in {watch.ElapsedMilliseconds} ms: {ex.Message}");
                // The frontend is restarting.
                return default;
            }
        }, job => job.ValueKind == JsonValueKind.Object && condition(job), timeout, what);

    /// <summary>A WAV's samples: the bytes after its data chunk's head (the AI-content label's LIST chunk comes before it).</summary>
    public static byte[] WavSamples(byte[] wav)
    {
        for (var offset = 12; offset + 8 <= wav.Length;)
        {
            var size = BitConverter.ToUInt32(wav, offset + 4);
            if (wav.AsSpan(offset, 4).SequenceEqual("data"u8))
            {
                return wav[(offset + 8)..];
            }

            offset += 8 + (int)size + (int)(size & 1);
        }

        throw new InvalidOperationException("not a WAV with a data chunk");
    }

    private static string Head(string text) => text.Length <= 200 ? text : text[..200];

    public static async Task<string> ProblemDetailAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("detail").GetString() ?? "";
    }
}
