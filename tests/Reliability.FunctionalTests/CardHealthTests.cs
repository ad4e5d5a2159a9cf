using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using QwenTts.LocalHosting;
using QwenTts.TestSupport;

namespace QwenTts.Reliability.FunctionalTests;

/// <summary>
/// A card whose engine fails every utterance (an emulated card with an injected fault: the real grain, health, circuit
/// breaker and router) leaves rotation, costs clients nothing, and returns once a probe utterance passes.
/// </summary>
public sealed class CardHealthTests(ITestOutputHelper output)
{
    private const string Card = "silo-a/0";

    [Fact]
    public async Task A_card_that_fails_every_request_leaves_rotation_and_comes_back_after_it_is_fixed()
    {
        var fault = Path.Combine(Path.GetTempPath(), "qwentts-card-fault-" + Guid.NewGuid().ToString("N")[..8]);
        await File.WriteAllTextAsync(fault, "broken");
        try
        {
            await using var system = await EmulatedSystem.StartAsync(silos: 1,
                siloArguments: ["--Devices:Cards:0:FaultFile=" + fault, "--Devices:Health:ProbeInterval=00:00:01"]);
            var key = await system.CreateTenantAsync("health");
            using var client = system.Client(key);

            // Card 0 fails before any audio: each failure is re-routed to card 1, so the client sees only successes,
            // and after three failures in a row card 0's circuit opens.
            var whileFailing = await SpeechLoad.RunAsync(client, TimeSpan.FromMilliseconds(150), 12, Body, TimeSpan.FromSeconds(60));
            output.WriteLine("while failing: " + SpeechLoad.Summary(whileFailing));
            var unhealthy = await Eventually.HoldsAsync(() => CardAsync(client), c => c.GetProperty("health").GetString() == "unhealthy",
                TimeSpan.FromSeconds(20), $"{Card} unhealthy");
            output.WriteLine("unhealthy: " + unhealthy);
            Assert.All(whileFailing, o => Assert.Equal(SpeechLoad.Kind.Completed, o.Kind));
            Assert.False(unhealthy.GetProperty("healthy").GetBoolean());
            Assert.Contains("failed in a row", unhealthy.GetProperty("health_reason").GetString(), StringComparison.Ordinal);

            // Out of rotation: more requests all succeed and none of them reaches card 0 (its failure count stays put).
            var failedBefore = unhealthy.GetProperty("failed").GetInt64();
            var outOfRotation = await SpeechLoad.RunAsync(client, TimeSpan.FromMilliseconds(100), 8, Body, TimeSpan.FromSeconds(60));
            var stillOut = await CardAsync(client);
            Assert.All(outOfRotation, o => Assert.Equal(SpeechLoad.Kind.Completed, o.Kind));
            Assert.Equal("unhealthy", stillOut.GetProperty("health").GetString());
            Assert.Equal(failedBefore, stillOut.GetProperty("failed").GetInt64());
            Assert.Contains("probe failed", stillOut.GetProperty("health_reason").GetString(), StringComparison.Ordinal);

            // Fixed: the next probe passes and the card serves again.
            File.Delete(fault);
            var back = await Eventually.HoldsAsync(() => CardAsync(client), c => c.GetProperty("healthy").GetBoolean(),
                TimeSpan.FromSeconds(20), $"{Card} back after the probe");
            var completedBefore = back.GetProperty("completed").GetInt64();
            await Eventually.HoldsAsync(async () =>
            {
                var one = await SpeechLoad.RunAsync(client, TimeSpan.Zero, 2, Body, TimeSpan.FromSeconds(30));
                Assert.All(one, o => Assert.Equal(SpeechLoad.Kind.Completed, o.Kind));
                return (await CardAsync(client)).GetProperty("completed").GetInt64();
            }, completed => completed > completedBefore, TimeSpan.FromSeconds(30), $"{Card} serving again");
            var metrics = await new HttpClient { BaseAddress = system.System.Frontend!.OperatorAddress }.GetStringAsync("/metrics");
            Assert.Contains("qwentts_device_health{", metrics, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(fault);
        }
    }

    private static object Body(int i) => new { input = $"Health check sentence {i}.", voice = "alloy", response_format = "pcm" };

    private static async Task<JsonElement> CardAsync(HttpClient client)
    {
        var devices = await client.GetFromJsonAsync<JsonElement>("/v1/devices");
        return devices.GetProperty("data").EnumerateArray().Single(d => d.GetProperty("id").GetString() == Card);
    }
}
