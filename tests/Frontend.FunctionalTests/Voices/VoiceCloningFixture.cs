using System.Net.Http.Json;
using System.Text.Json;
using QwenTts.TestSupport;

namespace QwenTts.Frontend.FunctionalTests.Voices;

/// <summary>
/// A system that starts with one silo without the Base model; a prompt voice is made then (its prompt pending), and
/// only then a second silo whose two cards hold the Base model joins. Tests of custom voices, consents and cloning.
/// </summary>
public sealed class VoiceCloningFixture : IAsyncLifetime
{
    private EmulatedSystem? _system;

    public EmulatedSystem System => _system ?? throw new InvalidOperationException("not started");

    public string AcmeKey { get; private set; } = "";

    public string GlobexKey { get; private set; } = "";

    /// <summary>A tenant with a small character quota (<see cref="LimitedCharactersPerDay"/>) and a prompt voice made while no card held the Base model.</summary>
    public string LimitedKey { get; private set; } = "";

    public const int LimitedCharactersPerDay = 20;

    public const string ConsentMinSimilarity = "0.95";

    /// <summary>The id of <see cref="LimitedKey"/>'s pending prompt voice.</summary>
    public string LimitedPendingVoiceId { get; private set; } = "";

    /// <summary>The voice object answered when the voice was made while no card held the Base model.</summary>
    public JsonElement PendingVoice { get; private set; }

    /// <summary>The answer to a task_type Base request while no card held the Base model.</summary>
    public (int Status, string Body) BaseTaskWithoutBaseModel { get; private set; }

    public async Task InitializeAsync()
    {
        // The miniature's random-weight speaker encoder puts any two recordings at a cosine between about 0.5 and 1 (the
        // same tone in every format near 1, a square wave about 0.6): a threshold between the two, not the production default
        // (0.5, chosen for real speaker encoders), separates them here.
        _system = await EmulatedSystem.StartAsync(silos: 1, frontendArguments: [$"--Voices:ConsentMinSimilarity={ConsentMinSimilarity}"]);
        AcmeKey = await System.CreateTenantAsync("vacme", referenceCloning: true);
        GlobexKey = await System.CreateTenantAsync("vglobex");
        LimitedKey = await System.CreateTenantAsync("vlimited", charactersPerDay: LimitedCharactersPerDay);
        using (var limited = System.Client(LimitedKey))
        {
            using var created = await limited.PostAsJsonAsync("/v1/audio/voices", new { type = "prompt", name = "Quiet one", prompt = "A soft, quiet voice" });
            created.EnsureSuccessStatusCode();
            LimitedPendingVoiceId = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
        }

        using (var client = System.Client(AcmeKey))
        {
            using var created = await client.PostAsJsonAsync("/v1/audio/voices",
                new { type = "prompt", name = "Early narrator", prompt = "A bright young storyteller", script_hint = "Once upon a time, there was a quiet village." });
            created.EnsureSuccessStatusCode();
            PendingVoice = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.Clone();
            using var cloning = await SpeechApi.PostAsync(client, new
            {
                input = "Clone me.", task_type = "Base", ref_audio = VllmOmniFieldTests.DataUrl(TestRecordings.ToneWav(2)), ref_text = "Clone me.",
            });
            BaseTaskWithoutBaseModel = ((int)cloning.StatusCode, await cloning.Content.ReadAsStringAsync());
        }

        await System.StartBaseModelSiloAsync("silo-base", cardsInTotal: 4);
    }

    public async Task DisposeAsync()
    {
        if (_system is not null)
        {
            await _system.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class VoiceCloningCollection : ICollectionFixture<VoiceCloningFixture>
{
    public const string Name = "voice-cloning";
}
