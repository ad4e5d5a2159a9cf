using QwenTts.Audio.Recordings;
using QwenTts.Frontend.Problems;

namespace QwenTts.Frontend.Voices;

/// <summary>Reads an uploaded recording (a multipart file field) and decodes it; every refusal is a problem, nothing is kept.</summary>
public static class RecordingUpload
{
    /// <summary>The request limit on endpoints that take a recording: the 10 MiB file plus room for the form around it.</summary>
    public const long MaxRequestBytes = RecordingDecoder.MaxBytes + 1024 * 1024;

    public static async Task<(DecodedRecording? Recording, ApiProblem? Problem)> ReadAsync(IFormCollection form, string field, CancellationToken cancellationToken)
    {
        var file = form.Files.GetFile(field);
        if (file is null)
        {
            return (null, ApiProblem.BadRequest($"{field} is required: the recording as a file field of the multipart form (wav, mp3, flac or ogg)."));
        }

        if (file.Length > RecordingDecoder.MaxBytes)
        {
            return (null, new ApiProblem(StatusCodes.Status413PayloadTooLarge, "Recording too large", $"{field} has {file.Length} bytes; the limit is {RecordingDecoder.MaxBytes} (10 MiB)."));
        }

        var bytes = new byte[file.Length];
        await using (var stream = file.OpenReadStream())
        {
            await stream.ReadExactlyAsync(bytes, cancellationToken);
        }

        var (recording, rejection) = await Task.Run(() => RecordingDecoder.Decode(bytes, file.ContentType, field), cancellationToken);
        return rejection is null
            ? (recording, null)
            : (null, new ApiProblem(rejection.Status, rejection.Status switch
            {
                StatusCodes.Status413PayloadTooLarge => "Recording too large",
                StatusCodes.Status415UnsupportedMediaType => "Unsupported recording type",
                _ => "Invalid recording",
            }, rejection.Detail));
    }
}
