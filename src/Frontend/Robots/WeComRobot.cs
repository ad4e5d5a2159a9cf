using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;
using QwenTts.Audio.Codecs;

namespace QwenTts.Frontend.Robots;

/// <summary>
/// WeCom (企业微信) group robot. Audio of at most 60 s whose AMR-NB file is at most 2 MB goes as a voice message
/// (upload_media type=voice, then msgtype voice), as WeCom requires of voice media; anything longer or larger goes
/// as a file message with the stored file (upload_media type=file, at most 20 MB, then msgtype file).
/// Upload: multipart/form-data with one part named "media" carrying filename and filelength.
/// </summary>
public sealed class WeComRobot(IHttpClientFactory clients, IOptions<RobotOptions> options)
{
    public const string ClientName = "robot-wecom";
    public static readonly TimeSpan MaxVoiceLength = TimeSpan.FromSeconds(60);
    public const int MaxVoiceBytes = 2 * 1024 * 1024;
    public const int MaxFileBytes = 20 * 1024 * 1024;

    /// <summary>Posts the audio; answers what was sent ("voice" or "file").</summary>
    public async Task<string> SendAsync(string key, RobotAudio audio, CancellationToken cancellationToken)
    {
        if (audio.Seconds <= MaxVoiceLength.TotalSeconds)
        {
            var amr = AmrNbEncoder.Encode(await audio.ReadSamplesAsync(cancellationToken), audio.SampleRate);
            if (amr.Length <= MaxVoiceBytes)
            {
                var voice = await UploadAsync(key, "voice", $"{audio.JobId}.amr", amr, cancellationToken);
                await SendMessageAsync(key, new { msgtype = "voice", voice = new { media_id = voice } }, cancellationToken);
                return "voice";
            }
        }

        var file = await audio.ReadFileAsync(cancellationToken);
        if (file.Length > MaxFileBytes)
        {
            throw new RobotDeliveryException($"the audio file is {file.Length} bytes; WeCom takes files of at most {MaxFileBytes} bytes.", retryable: false);
        }

        var media = await UploadAsync(key, "file", $"{audio.JobId}.{audio.Format}", file, cancellationToken);
        await SendMessageAsync(key, new { msgtype = "file", file = new { media_id = media } }, cancellationToken);
        return "file";
    }

    private async Task<string> UploadAsync(string key, string type, string fileName, byte[] bytes, CancellationToken cancellationToken)
    {
        var part = new ByteArrayContent(bytes);
        // The form WeCom documents: name="media";filename="...";filelength=N and an octet-stream body.
        part.Headers.TryAddWithoutValidation("Content-Disposition", $"form-data; name=\"media\";filename=\"{fileName}\";filelength={bytes.Length}");
        part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var form = new MultipartFormDataContent { part };
        var url = $"{Base}/cgi-bin/webhook/upload_media?key={Uri.EscapeDataString(key)}&type={type}";
        using var answer = await PostAsync(url, form, cancellationToken);
        return answer.RootElement.TryGetProperty("media_id", out var id) && id.GetString() is { Length: > 0 } mediaId
            ? mediaId
            : throw new RobotDeliveryException("WeCom upload_media answered without a media_id.", retryable: false);
    }

    private async Task SendMessageAsync(string key, object message, CancellationToken cancellationToken)
    {
        using var content = JsonContent.Create(message);
        using var _ = await PostAsync($"{Base}/cgi-bin/webhook/send?key={Uri.EscapeDataString(key)}", content, cancellationToken);
    }

    private async Task<JsonDocument> PostAsync(string url, HttpContent content, CancellationToken cancellationToken)
    {
        using var response = await clients.CreateClient(ClientName).PostAsync(url, content, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new RobotDeliveryException($"WeCom answered HTTP {(int)response.StatusCode}.", retryable: (int)response.StatusCode >= 500);
        }

        var json = JsonDocument.Parse(body);
        var code = json.RootElement.TryGetProperty("errcode", out var e) ? e.GetInt32() : -1;
        if (code != 0)
        {
            var message = json.RootElement.TryGetProperty("errmsg", out var m) ? m.GetString() : body;
            json.Dispose();
            throw new RobotDeliveryException($"WeCom refused the request: errcode {code}, {message}", retryable: false);
        }

        return json;
    }

    private string Base => options.Value.WeComBaseUrl.TrimEnd('/');
}
