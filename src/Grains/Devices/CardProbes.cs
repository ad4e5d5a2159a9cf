using System.Diagnostics;
using Microsoft.Extensions.Logging;
using QwenTts.Devices;
using QwenTts.Devices.Cards;
using QwenTts.Grains.Interfaces.Devices;
using QwenTts.Grains.Interfaces.Synthesis;

namespace QwenTts.Grains.Devices;

/// <summary>
/// A card's probe utterances, spoken straight on the card (a few frames, fixed seed): the circuit breaker's, for a card
/// out of rotation (it has no traffic while unhealthy: if the probe speaks, the circuit closes), and the stall watch's,
/// for a stalled card with nothing left on it (its first audio ends the stall). Started from the grain's tick and run on
/// the grain's scheduler; what they change reaches the registry with the grain's next report.
/// </summary>
internal sealed partial class CardProbes(DeviceId id, CardEngine card, StallWatch stall, Action reportSoon, ILogger logger)
{
    private bool _probing;

    /// <summary>The circuit breaker's probe, when the card's health asks for one and none is under way.</summary>
    public void StartHealthProbe()
    {
        if (!_probing && card.Health.TryStartProbe())
        {
            _probing = true;
            _ = HealthProbeAsync();
        }
    }

    /// <summary>The stall watch's probe, when the watch asks for one (<paramref name="streaming"/>: utterances streaming now).</summary>
    public void StartStallProbe(int streaming)
    {
        if (stall.TryStartProbe(streaming))
        {
            _ = StallProbeAsync();
        }
    }

    private async Task HealthProbeAsync()
    {
        var watch = Stopwatch.StartNew();
        try
        {
            await SpeakAsync(onFirstAudio: null);
            card.Health.ProbePassed();
            LogProbePassed(id, watch.Elapsed.TotalSeconds);
        }
        catch (Exception ex)
        {
            card.Health.ProbeFailed(ex.Message);
            LogProbeFailed(id, ex.Message);
        }
        finally
        {
            _probing = false;
            reportSoon();
        }
    }

    /// <summary>Its first audio means the stall is over: the card takes work again at the rate it had before it.</summary>
    private async Task StallProbeAsync()
    {
        try
        {
            await SpeakAsync(onFirstAudio: () =>
            {
                var silence = stall.Silence;
                if (stall.Progressed())
                {
                    LogStallOver(id, silence.TotalSeconds);
                    reportSoon();
                }
            });
        }
        catch (Exception ex)
        {
            // Once it spoke the stall is over, and whatever failed afterwards is the circuit breaker's business next time.
            if (stall.ProbeFailed())
            {
                LogStallProbeFailed(id, ex.Message);
            }
        }
        finally
        {
            stall.ProbeEnded();
        }
    }

    /// <summary>The probe utterance, straight on the card; it fails unless audio comes out.</summary>
    private async Task SpeakAsync(Action? onFirstAudio)
    {
        var spoke = false;
        await foreach (var chunk in card.RunAsync(Job(id), CancellationToken.None, metered: false))
        {
            if (chunk.Samples.Length > 0 && !spoke)
            {
                spoke = true;
                onFirstAudio?.Invoke();
            }
        }

        if (!spoke)
        {
            throw new InvalidOperationException("the probe utterance produced no audio");
        }
    }

    private static SynthesisJob Job(DeviceId device) => new()
    {
        RequestId = $"probe:{device.Key}:{Guid.NewGuid():N}",
        Tenant = "",
        Text = "Probe.",
        Language = "english",
        Voice = VoiceSpec.Designed("A neutral, clear voice."),
        Seed = 1,
        Sampling = new SamplingSpec { MaxNewTokens = 12 },
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {Device}: the stall is over, its probe utterance spoke after {Seconds:F1} s without audio; the card takes work again")]
    private partial void LogStallOver(DeviceId device, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {Device}: the probe for the end of its stall failed, the card stays stalled: {Reason}")]
    private partial void LogStallProbeFailed(DeviceId device, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {Device}: probe utterance passed in {Seconds:F2} s; the card is back in rotation")]
    private partial void LogProbePassed(DeviceId device, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {Device}: probe utterance failed, the card stays out of rotation: {Reason}")]
    private partial void LogProbeFailed(DeviceId device, string reason);
}
