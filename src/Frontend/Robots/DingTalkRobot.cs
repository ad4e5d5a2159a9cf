using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace QwenTts.Frontend.Robots;

/// <summary>
/// DingTalk (钉钉) custom robot with signing: robot/send?access_token=..&amp;timestamp=&lt;ms&gt;&amp;sign=&lt;url-encoded
/// base64 HMAC-SHA256 of "timestamp\nsecret" keyed with the secret&gt;. DingTalk robots have no voice message, so the
/// broadcast is a markdown message with the text and a link to the audio.
/// </summary>
public sealed class DingTalkRobot(IHttpClientFactory clients, IOptions<RobotOptions> options, TimeProvider clock)
{
    public const string ClientName = "robot-dingtalk";

    public static string Sign(long timestampMilliseconds, string secret)
    {
        var toSign = timestampMilliseconds.ToString(CultureInfo.InvariantCulture) + "\n" + secret;
        return Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(toSign)));
    }

    public async Task<string> SendAsync(string accessToken, string secret, RobotAudio audio, CancellationToken cancellationToken)
    {
        if (audio.Link is null)
        {
            throw new RobotDeliveryException("DingTalk messages carry a link to the audio: the operator must set Robots:PublicBaseUrl.", retryable: false);
        }

        var timestamp = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var url = $"{options.Value.DingTalkBaseUrl.TrimEnd('/')}/robot/send?access_token={Uri.EscapeDataString(accessToken)}" +
            $"&timestamp={timestamp.ToString(CultureInfo.InvariantCulture)}&sign={Uri.EscapeDataString(Sign(timestamp, secret))}";
        var excerpt = audio.Text.Length <= 200 ? audio.Text : audio.Text[..200] + "…";
        var until = audio.ExpiresAt is { } expires ? $"\n\nThe link works until {expires.UtcDateTime:yyyy-MM-dd HH:mm} UTC." : "";
        var message = new
        {
            msgtype = "markdown",
            markdown = new
            {
                title = "Voice broadcast",
                text = $"#### Voice broadcast\n\n> {excerpt}\n\n[Listen ({audio.Seconds.ToString("F0", CultureInfo.InvariantCulture)} s, {audio.Format})]({audio.Link}){until}",
            },
        };
        using var content = JsonContent.Create(message);
        using var response = await clients.CreateClient(ClientName).PostAsync(url, content, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new RobotDeliveryException($"DingTalk answered HTTP {(int)response.StatusCode}.", retryable: (int)response.StatusCode >= 500);
        }

        using var json = JsonDocument.Parse(body);
        var code = json.RootElement.TryGetProperty("errcode", out var e) ? e.GetInt32() : -1;
        return code == 0
            ? "markdown"
            : throw new RobotDeliveryException($"DingTalk refused the message: errcode {code}, {(json.RootElement.TryGetProperty("errmsg", out var m) ? m.GetString() : body)}", retryable: false);
    }
}
