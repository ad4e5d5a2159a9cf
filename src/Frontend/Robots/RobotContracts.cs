using System.Text.Json.Serialization;

namespace QwenTts.Frontend.Robots;

/// <summary>PUT /v1/robots/{tool}: the robot's webhook URL as the chat tool shows it, and for DingTalk its signing secret ("SEC...").</summary>
public sealed record RobotRequest
{
    /// <summary>WeCom: https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=...; DingTalk: https://oapi.dingtalk.com/robot/send?access_token=...</summary>
    [JsonPropertyName("webhook_url")]
    public string? WebhookUrl { get; init; }

    /// <summary>DingTalk only: the secret of the robot's "加签" (signature) security setting.</summary>
    [JsonPropertyName("secret")]
    public string? Secret { get; init; }
}

public sealed record RobotResponse(
    [property: JsonPropertyName("tool")] string Tool,
    [property: JsonPropertyName("token_hint")] string TokenHint,
    [property: JsonPropertyName("signed")] bool Signed,
    [property: JsonPropertyName("updated_at")] long UpdatedAt);

/// <summary>POST /v1/robots/broadcast: text in, a job out; its audio goes to the tenant's robots when it is made.</summary>
public sealed record BroadcastRequest
{
    [JsonPropertyName("text")]
    public string? Text { get; init; }

    [JsonPropertyName("voice")]
    public string? Voice { get; init; }

    [JsonPropertyName("instructions")]
    public string? Instructions { get; init; }

    [JsonPropertyName("language")]
    public string? Language { get; init; }

    [JsonPropertyName("seed")]
    public ulong? Seed { get; init; }

    /// <summary>Which robots to post to (wecom, dingtalk); all the tenant has when omitted.</summary>
    [JsonPropertyName("tools")]
    public string[]? Tools { get; init; }

    /// <summary>Every field this record does not know: refused by name, never silently dropped.</summary>
    [JsonExtensionData]
    public Dictionary<string, System.Text.Json.JsonElement>? Unrecognized { get; init; }

    /// <summary>The fields a broadcast takes, for the refusal's detail.</summary>
    public static readonly string[] Fields = ["text", "voice", "instructions", "language", "seed", "tools"];
}

public sealed record BroadcastResponse(
    [property: JsonPropertyName("job_id")] string JobId,
    [property: JsonPropertyName("status_url")] string StatusUrl,
    [property: JsonPropertyName("tools")] string[] Tools);
