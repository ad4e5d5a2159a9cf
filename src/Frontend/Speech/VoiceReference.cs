using System.Text.Json;
using System.Text.Json.Serialization;

namespace QwenTts.Frontend.Speech;

/// <summary>
/// The speech request's <c>voice</c>, as OpenAI defines it: a string (a built-in name, one of your voice names or a
/// voice id) or an object <c>{"id": "voice_..."}</c> naming a custom voice.
/// </summary>
[JsonConverter(typeof(VoiceReferenceConverter))]
public sealed record VoiceReference(string Value, bool IsId)
{
    public static implicit operator VoiceReference?(string? name) => name is null ? null : new VoiceReference(name, false);

    public override string ToString() => Value;
}

public sealed class VoiceReferenceConverter : JsonConverter<VoiceReference>
{
    public override VoiceReference Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return new VoiceReference(reader.GetString()!, false);
        }

        if (reader.TokenType == JsonTokenType.StartObject)
        {
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String)
            {
                return new VoiceReference(id.GetString()!, true);
            }
        }

        throw new JsonException("voice must be a voice name (a string) or an object {\"id\": \"voice_...\"}.");
    }

    public override void Write(Utf8JsonWriter writer, VoiceReference value, JsonSerializerOptions options)
    {
        if (value.IsId)
        {
            writer.WriteStartObject();
            writer.WriteString("id", value.Value);
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteStringValue(value.Value);
        }
    }
}
