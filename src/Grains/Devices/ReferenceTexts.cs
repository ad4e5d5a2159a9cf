namespace QwenTts.Grains.Devices;

/// <summary>The sentence a designed voice reads for its reference clip in the design-then-clone workflow.</summary>
public static class ReferenceTexts
{
    public static string For(string language) => language.ToLowerInvariant() switch
    {
        "chinese" => "今天天气很好，我们一起去公园散步吧。",
        "japanese" => "今日はいい天気ですね。一緒に公園を散歩しましょう。",
        "korean" => "오늘 날씨가 좋네요. 같이 공원을 산책해요.",
        "german" => "Heute ist schönes Wetter, lass uns im Park spazieren gehen.",
        "french" => "Il fait beau aujourd'hui, allons nous promener au parc.",
        "russian" => "Сегодня хорошая погода, давай погуляем в парке.",
        "portuguese" => "O tempo está ótimo hoje, vamos passear no parque.",
        "spanish" => "Hoy hace buen tiempo, vamos a pasear por el parque.",
        "italian" => "Oggi è una bella giornata, andiamo a fare una passeggiata nel parco.",
        _ => "The weather is lovely today, so let us take a walk in the park.",
    };
}
