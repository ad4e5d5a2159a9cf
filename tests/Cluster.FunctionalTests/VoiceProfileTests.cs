using QwenTts.Grains.Interfaces.Synthesis;
using QwenTts.Grains.Interfaces.Voices;
using QwenTts.TestSupport;

namespace QwenTts.Cluster.FunctionalTests;

/// <summary>Named voices: persisted in PostgreSQL, separated by tenant, and cloned when a card holds the Base model.</summary>
[Collection(PostgresCollection.Name)]
public sealed class VoiceProfileTests(PostgresFixture postgres, MiniatureModelFixture models)
{
    private static readonly VoiceDesign Anchor = new("35-year-old woman, calm, news-anchor tone", "english", Seed: 7);

    [Fact]
    public async Task Voices_survive_a_full_cluster_restart_with_list_update_and_delete()
    {
        var database = await postgres.CreateDatabaseAsync("voices");
        var settings = new InProcessCluster.Settings(database, models.VoiceDesign) { ServiceId = "voices-restart" };

        await using (var first = await InProcessCluster.StartAsync(settings))
        {
            var anchor = first.Client.GetGrain<IVoiceProfileGrain>(VoiceKey.Of("acme", "anchor"));
            Assert.Equal(VoiceWriteStatus.Created, (await anchor.CreateAsync(Anchor)).Status);
            Assert.Equal(VoiceWriteStatus.AlreadyExists, (await anchor.CreateAsync(Anchor with { Description = "other" })).Status);
            await first.Client.GetGrain<IVoiceProfileGrain>(VoiceKey.Of("acme", "narrator")).CreateAsync(new VoiceDesign("An old storyteller", "english"));
            await first.Client.GetGrain<IVoiceProfileGrain>(VoiceKey.Of("acme", "temp")).CreateAsync(new VoiceDesign("Temporary", "auto"));
            Assert.Equal(VoiceWriteStatus.Deleted, (await first.Client.GetGrain<IVoiceProfileGrain>(VoiceKey.Of("acme", "temp")).DeleteAsync()).Status);
            var updated = await first.Client.GetGrain<IVoiceProfileGrain>(VoiceKey.Of("acme", "narrator")).UpdateAsync(new VoiceDesign("An old storyteller, slower", "english"));
            Assert.Equal(VoiceWriteStatus.Updated, updated.Status);
            await first.StopAllSilosAsync();
        }

        await using var second = await InProcessCluster.StartAsync(settings);
        var read = await second.Client.GetGrain<IVoiceProfileGrain>(VoiceKey.Of("acme", "anchor")).GetAsync();
        var list = await second.Client.GetGrain<ITenantVoicesGrain>("acme").ListAsync();

        Assert.NotNull(read);
        Assert.Equal((Anchor.Description, Anchor.Language, 7UL), (read.Description, read.Language, read.Seed));
        Assert.Equal(["anchor", "narrator"], list.Select(v => v.Name));
        Assert.Equal("An old storyteller, slower", list[1].Description);
        Assert.Null(await second.Client.GetGrain<IVoiceProfileGrain>(VoiceKey.Of("acme", "temp")).GetAsync());
    }

    [Fact]
    public async Task A_tenant_never_sees_another_tenants_voice_of_the_same_name()
    {
        await using var cluster = await InProcessCluster.StartAsync(new InProcessCluster.Settings(await postgres.CreateDatabaseAsync("tenants"), models.VoiceDesign));
        await cluster.Client.GetGrain<IVoiceProfileGrain>(VoiceKey.Of("tenant-a", "anchor")).CreateAsync(Anchor);

        var otherTenants = await cluster.Client.GetGrain<IVoiceProfileGrain>(VoiceKey.Of("tenant-b", "anchor")).GetAsync();
        var otherList = await cluster.Client.GetGrain<ITenantVoicesGrain>("tenant-b").ListAsync();
        var own = await cluster.Client.GetGrain<IVoiceProfileGrain>(VoiceKey.Of("tenant-b", "anchor")).CreateAsync(Anchor with { Description = "b's own" });

        Assert.Null(otherTenants);
        Assert.Empty(otherList);
        Assert.Equal(VoiceWriteStatus.Created, own.Status);
        Assert.Equal(Anchor.Description, (await cluster.Client.GetGrain<IVoiceProfileGrain>(VoiceKey.Of("tenant-a", "anchor")).GetAsync())!.Description);
        Assert.Throws<ArgumentException>(() => VoiceKey.Of("tenant-a/evil", "x"));
        Assert.Throws<ArgumentException>(() => VoiceKey.Of("tenant-a", "../anchor"));
    }

    [Fact]
    public async Task With_the_base_model_a_voice_stores_a_clone_prompt_and_every_sentence_is_spoken_from_it_reproducibly()
    {
        await using var cluster = await InProcessCluster.StartAsync(new InProcessCluster.Settings(await postgres.CreateDatabaseAsync("clone"), models.VoiceDesign)
        {
            CloneDirectory = models.Base,
            Silos = 1,
        });
        var (router, dispatcher) = InProcessCluster.Routing(cluster.Client);
        await Eventually.HoldsAsync(async () => { await router.RefreshAsync(); return router.Devices; }, d => d.Count == 1 && d[0].CanClone,
            TimeSpan.FromSeconds(30), "a clone-capable card");

        var voice = (await cluster.Client.GetGrain<IVoiceProfileGrain>(VoiceKey.Of("acme", "anchor")).CreateAsync(Anchor)).Profile!;
        Assert.NotNull(voice.ClonePrompt);
        Assert.Equal(64, voice.ClonePrompt.SpeakerEmbedding.Length);
        Assert.True(voice.ClonePrompt.ReferenceFrames > 0);

        SynthesisJob Sentence() => ClusterJobs.Job("A later sentence in the same voice.") with
        {
            Voice = new VoiceSpec { Description = voice.Description, ClonePrompt = voice.ClonePrompt },
            Seed = voice.Seed,
        };
        var first = await ClusterJobs.RunAsync(dispatcher, Sentence());
        var second = await ClusterJobs.RunAsync(dispatcher, Sentence());

        Assert.Equal(first.Audio, second.Audio);
        var reread = await cluster.Client.GetGrain<IVoiceProfileGrain>(VoiceKey.Of("acme", "anchor")).GetAsync();
        Assert.Equal(voice.ClonePrompt.SpeakerEmbedding, reread!.ClonePrompt!.SpeakerEmbedding);
    }
}
