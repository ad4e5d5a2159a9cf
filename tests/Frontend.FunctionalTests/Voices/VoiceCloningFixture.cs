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

    /// <summary>The voice object answered when the voice was made while no card held the Base model.</summary>
    public JsonElement PendingVoice { get; private set; }

    /// <summary>The answer to a task_type Base request while no card held the Base model.</summary>
    public (int Status, string Body) BaseTaskWithoutBaseModel { get; private set; }

    public async Task InitializeAsync()
    {
        _system = await EmulatedSystem.StartAsync(silos: 1);
        AcmeKey = await System.CreateTenantAsync("vacme");
        GlobexKey = await System.CreateTenantAsync("vglobex");
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
