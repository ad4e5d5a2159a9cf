using System.Diagnostics;
using System.Text.Json;
using QwenTts.LocalHosting;

namespace QwenTts.Frontend.FunctionalTests;

/// <summary>The web page in a real browser: Debian's Chromium driven by playwright-core from npm.</summary>
[Collection(SystemCollection.Name)]
public sealed class WebPageTests(SystemFixture fixture)
{
    private static string WebDirectory => WebTools.Directory;

    [Fact]
    public async Task A_person_can_generate_hear_it_while_it_arrives_download_save_a_voice_and_speak_as_they_type()
    {
        var key = await fixture.System.CreateTenantAsync("browser-" + Guid.NewGuid().ToString("N")[..6]);
        var screenshot = Path.Combine(Path.GetTempPath(), "qwentts-web-page.png");

        var result = await RunPageTestAsync(key, screenshot);

        Assert.Equal("QwenTts — try a voice", result.GetProperty("title").GetString());
        Assert.True(result.GetProperty("miniatureNotice").GetBoolean(), "the page says the miniature makes noise");
        Assert.True(result.GetProperty("sawProgress").GetBoolean(), "progress while receiving");
        Assert.StartsWith("Done:", result.GetProperty("doneText").GetString(), StringComparison.Ordinal);
        Assert.True(result.GetProperty("duration").GetDouble() > 1.0, "the page's audio element loaded the speech");
        Assert.Equal("speech.wav", result.GetProperty("download").GetString());
        Assert.False(result.GetProperty("downloadHidden").GetBoolean());
        foreach (var format in new[] { "mp3", "opus", "flac", "wav" })
        {
            var decoded = result.GetProperty("decoded").GetProperty(format);
            Assert.True(decoded.ValueKind == JsonValueKind.Number && decoded.GetDouble() > 0.3, $"Chromium decoded {format}: {decoded}");
        }

        Assert.Contains("browser-voice", result.GetProperty("voiceOptions").EnumerateArray().Select(v => v.GetString()));
        Assert.Contains("A cheerful young woman", result.GetProperty("listed").GetString(), StringComparison.Ordinal);
        var timings = result.GetProperty("timings");
        Assert.True(timings.GetProperty("firstSoundAt").ValueKind == JsonValueKind.Number, $"the page played while receiving: {timings}");
        Assert.True(timings.GetProperty("firstSoundAt").GetDouble() < timings.GetProperty("responseEndAt").GetDouble(),
            $"first sound before the response ended: {timings}");
        Assert.Matches(@"First sound: \d+ ms\. Card\(s\): .*/\d", result.GetProperty("timingText").GetString());
        Assert.Matches(@"Session done: 2 sentence\(s\), .* card\(s\): .*/\d", result.GetProperty("liveStatus").GetString());
        Assert.Empty(result.GetProperty("consoleErrors").EnumerateArray());
        Assert.True(new FileInfo(screenshot).Length > 10_000);
    }

    private async Task<JsonElement> RunPageTestAsync(string key, string screenshot)
    {
        if (!Directory.Exists(Path.Combine(WebDirectory, "node_modules", "playwright-core")))
        {
            await WebTools.RunAsync("npm", "ci --no-audit --no-fund", TimeSpan.FromMinutes(3));
        }

        var output = await WebTools.RunAsync("node", $"page-test.mjs {fixture.System.Frontend} {key} {screenshot}", TimeSpan.FromMinutes(3));
        return JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement;
    }
}
