using System.Text.RegularExpressions;
using QwenTts.Audio.Recordings;
using QwenTts.Frontend.Problems;
using QwenTts.Frontend.Text;
using QwenTts.Grains.Interfaces.Devices;
using QwenTts.Grains.Interfaces.Synthesis;
using QwenTts.Routing;

namespace QwenTts.Frontend.Speech;

/// <summary>
/// vLLM-Omni's one-shot cloning on /v1/audio/speech: ref_audio (a base64 data URL; the server never fetches a URL),
/// ref_text or x_vector_only_mode, cloned by a card that holds the Base model; and what the loaded models can serve.
/// </summary>
public sealed partial class ReferenceAudioCloner(IClusterClient cluster, DeviceRouter router)
{
    public const string VoiceDesign = "VoiceDesign";
    public const string Base = "Base";
    public const string CustomVoice = "CustomVoice";

    /// <summary>The models the cluster's cards hold now, for messages such as "VoiceDesign on 4 cards, Base on 2 cards".</summary>
    public string Loaded()
    {
        var cards = router.Devices.Where(d => d.Healthy && !d.Draining).ToList();
        var clone = cards.Count(d => d.CanClone);
        return cards.Count == 0
            ? "no card is up"
            : $"VoiceDesign on {cards.Count} card{(cards.Count == 1 ? "" : "s")}" + (clone > 0 ? $", Base on {clone}" : ", no Base model");
    }

    public bool CanClone => router.Devices.Any(d => d.Healthy && !d.Draining && d.CanClone);

    public async Task<(VoiceSpec? Voice, ApiProblem? Problem)> CloneAsync(SpeechRequest request, string? instructions, CancellationToken cancellationToken)
    {
        var refAudio = request.RefAudio!.Trim();
        if (!refAudio.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            return Fail("ref_audio must be a base64 data URL (data:audio/wav;base64,...); this server never fetches URLs or reads files.");
        }

        var match = DataUrl().Match(refAudio);
        if (!match.Success)
        {
            return Fail("ref_audio must be a base64 data URL of the form data:<audio type>;base64,<data>.");
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(match.Groups["data"].Value);
        }
        catch (FormatException)
        {
            return Fail("ref_audio's data is not valid base64.");
        }

        var xVectorOnly = request.XVectorOnlyMode == true;
        var refText = string.IsNullOrWhiteSpace(request.RefText) ? null : TextNormalizer.Normalize(request.RefText);
        if (!xVectorOnly && refText is null)
        {
            return Fail("ref_text (the transcript of ref_audio) is required unless x_vector_only_mode is true.");
        }

        if (!CanClone)
        {
            return Fail($"ref_audio needs task_type Base, which needs the Base model; loaded: {Loaded()}.");
        }

        var mediaType = match.Groups["type"].Value;
        var (recording, rejection) = await Task.Run(() => RecordingDecoder.Decode(bytes, mediaType.Length == 0 ? null : mediaType, "ref_audio"), cancellationToken);
        if (rejection is not null)
        {
            return (null, new ApiProblem(rejection.Status, "Invalid ref_audio", rejection.Detail));
        }

        var card = router.Devices.Where(d => d.CanClone && d.HasRoom).OrderBy(d => d.ExpectedCompletionSeconds(40)).FirstOrDefault();
        if (card is null)
        {
            return (null, new ApiProblem(StatusCodes.Status503ServiceUnavailable, "All cards are busy",
                "every card with the Base model is full; try again shortly.", TimeSpan.FromSeconds(2)));
        }

        var prompt = await cluster.GetGrain<IDeviceGrain>(card.Device.Key).CloneRecordingAsync(recording!.Samples, xVectorOnly ? null : refText);
        return (new VoiceSpec { Description = instructions ?? "", ClonePrompt = prompt }, null);
    }

    private static (VoiceSpec?, ApiProblem?) Fail(string detail) => (null, ApiProblem.BadRequest(detail));

    [GeneratedRegex(@"^data:(?<type>[\w.+-]+/[\w.+-]+)?(;[\w=.-]+)*;base64,(?<data>[A-Za-z0-9+/=\s]*)$", RegexOptions.IgnoreCase)]
    private static partial Regex DataUrl();
}
