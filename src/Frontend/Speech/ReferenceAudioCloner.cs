using System.Text.RegularExpressions;
using QwenTts.Audio.Recordings;
using QwenTts.Frontend.Problems;
using QwenTts.Frontend.Text;
using QwenTts.Grains.Interfaces.Devices;
using QwenTts.Grains.Interfaces.Synthesis;
using QwenTts.Routing;

namespace QwenTts.Frontend.Speech;

/// <summary>ref_audio as checked before any work: the data URL's media type and base64 text, and the transcript (null: x-vector only).</summary>
public sealed record ReferenceAudio(string? MediaType, string Base64, string? ReferenceText);

/// <summary>
/// What the cards with the Base model do for the frontend: vLLM-Omni's one-shot cloning on /v1/audio/speech (ref_audio,
/// a base64 data URL; the server never fetches a URL) and the speaker embedding of a consent recording; and what the
/// loaded models can serve. Checking a request (<see cref="Check"/>) costs no card time; cloning does, so callers do it
/// only once the request is within its limits, and cancel it with the request.
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

    /// <summary>The request's ref_audio fields, checked for shape only (no decoding, no card).</summary>
    public (ReferenceAudio? Audio, ApiProblem? Problem) Check(SpeechRequest request)
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

        var refText = string.IsNullOrWhiteSpace(request.RefText) ? null : TextNormalizer.Normalize(request.RefText);
        if (request.XVectorOnlyMode != true && refText is null)
        {
            return Fail("ref_text (the transcript of ref_audio) is required unless x_vector_only_mode is true.");
        }

        if (!CanClone)
        {
            return Fail($"ref_audio needs task_type Base, which needs the Base model; loaded: {Loaded()}.");
        }

        var mediaType = match.Groups["type"].Value;
        return (new ReferenceAudio(mediaType.Length == 0 ? null : mediaType, match.Groups["data"].Value, request.XVectorOnlyMode == true ? null : refText), null);
    }

    /// <summary>Decodes the recording and clones it on the least busy Base card; stops when <paramref name="cancellationToken"/> does.</summary>
    public async Task<(VoiceSpec? Voice, ApiProblem? Problem)> CloneAsync(ReferenceAudio audio, string? instructions, CancellationToken cancellationToken)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(audio.Base64);
        }
        catch (FormatException)
        {
            return (null, ApiProblem.BadRequest("ref_audio's data is not valid base64."));
        }

        var (recording, rejection) = await Task.Run(() => RecordingDecoder.Decode(bytes, audio.MediaType, "ref_audio"), cancellationToken);
        if (rejection is not null)
        {
            return (null, new ApiProblem(rejection.Status, "Invalid ref_audio", rejection.Detail));
        }

        if (PickCard() is not { } card)
        {
            return (null, CardsBusy());
        }

        var prompt = await cluster.GetGrain<IDeviceGrain>(card.Device.Key).CloneRecordingAsync(recording!.Samples, audio.ReferenceText, cancellationToken);
        return (new VoiceSpec { Description = instructions ?? "", ClonePrompt = prompt }, null);
    }

    /// <summary>The Base model's speaker embedding of a recording (mono, 24 kHz), e.g. of a consent, to compare speakers with.</summary>
    public async Task<(float[]? Embedding, ApiProblem? Problem)> EmbedSpeakerAsync(float[] samples, string purpose, CancellationToken cancellationToken)
    {
        if (!CanClone)
        {
            return (null, ApiProblem.BadRequest($"{purpose} needs a card with the Base model to measure the speaker; loaded: {Loaded()}."));
        }

        if (PickCard() is not { } card)
        {
            return (null, CardsBusy());
        }

        return (await cluster.GetGrain<IDeviceGrain>(card.Device.Key).EmbedSpeakerAsync(samples, cancellationToken), null);
    }

    private DeviceLoad? PickCard() =>
        router.Devices.Where(d => d.CanClone && d.Healthy && !d.Draining && d.HasRoom).OrderBy(d => d.ExpectedCompletionSeconds(40)).FirstOrDefault();

    private static ApiProblem CardsBusy() => new(StatusCodes.Status503ServiceUnavailable, "All cards are busy",
        "every card with the Base model is full; try again shortly.", TimeSpan.FromSeconds(2));

    private static (ReferenceAudio?, ApiProblem?) Fail(string detail) => (null, ApiProblem.BadRequest(detail));

    [GeneratedRegex(@"^data:(?<type>[\w.+-]+/[\w.+-]+)?(;[\w=.-]+)*;base64,(?<data>[A-Za-z0-9+/=\s]*)$", RegexOptions.IgnoreCase)]
    private static partial Regex DataUrl();
}
