using QwenTts.Engine.Acceleration;
using QwenTts.Engine.Batching;
using QwenTts.Engine.Diagnostics;
using QwenTts.Engine.Model;
using QwenTts.Engine.Pipeline;
using QwenTts.Engine.Prompt;
using QwenTts.Engine.Runtime;
using QwenTts.Engine.Sampling;
using QwenTts.TestSupport;

namespace QwenTts.Engine.UnitTests;

/// <summary>
/// The batched steps in standard operators, as GPU and NPU providers run them (the CPU runs them here with its fused
/// graphs switched off): each row bit-equal to the same utterance alone, and a card's codes unchanged by batching.
/// </summary>
[Collection(MiniatureCollection.Name)]
public sealed class StandardBatchingTests(MiniatureFixture miniature)
{
    private static SynthesisRequest Request(int i) => new()
    {
        Text = i % 2 == 0 ? "Standard operators batch as well." : "Every row is its own utterance, whoever runs beside it.",
        Language = "english",
        Voice = new VoicePrompt.Designed(i % 2 == 0 ? "A calm, low voice" : "A bright, quick voice"),
        Seed = 3000UL + (ulong)i,
        Sampling = new SamplingOptions { MaxFramesPerTextToken = 3, MinNewTokens = 12 + (5 * i) },
    };

    [Fact]
    public void Every_row_of_the_standard_batched_steps_is_bit_equal_to_the_same_utterance_alone()
    {
        using var card = SpeechSynthesizer.Load(miniature.Directory, new ExecutionProviderOptions { IntraOpThreads = 1, FusedCpuGraphs = false });
        using var steps = BatchedDecodeSteps.Build(card.Sessions, fused: false);
        var result = BatchInvariance.Check(steps, batch: 5, talkerAlone: null, predictorAlone: null);

        Assert.Equal("standard operators", steps.Form);
        Assert.True(result.Holds, result.Line(5));
        Assert.Equal(1, result.TalkerMinRows);
        Assert.Equal(1, result.PredictorMinRows);
    }

    [Fact]
    public async Task A_card_without_the_fused_graphs_batches_in_standard_operators_and_keeps_every_utterances_codes()
    {
        using var card = SpeechSynthesizer.Load(miniature.Directory, new ExecutionProviderOptions { IntraOpThreads = 1, FusedCpuGraphs = false });
        var status = card.EnableBatching(new BatchingOptions(Rows: 3) { InitialSlots = 16 });

        Assert.StartsWith("batched: 1 lane(s) of 3 row(s), standard operators; ", status, StringComparison.Ordinal);
        Assert.Contains("against the card's unbatched steps: talker largest logit difference", status, StringComparison.Ordinal);
        Assert.Contains(GraphNames.TalkerDecode, card.ReleaseExportGraphsNotRun()); // the lanes run every utterance's talker steps
        var alone = Enumerable.Range(0, 3).Select(i => card.GenerateCodes(Request(i))).ToArray();
        var together = await OnOwnThreads.RunAsync(3, i =>
        {
            Thread.Sleep(i * 15);
            return card.GenerateCodes(Request(i));
        });

        using var unbatched = SpeechSynthesizer.Load(miniature.Directory, new ExecutionProviderOptions { IntraOpThreads = 1, FusedCpuGraphs = false });
        var exportCodes = Enumerable.Range(0, 3).Select(i => unbatched.GenerateCodes(Request(i))).ToArray();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(exportCodes[i], alone[i]);
            Assert.Equal(alone[i], together[i]); // the lane's caches double from 16 slots under running utterances
        }

        Assert.True(card.Batching!.Counts().Rows > card.Batching.Counts().Runs, "no run carried more than one row");
        Assert.Contains(1, card.Batching.BatchSizesRun()); // at dynamic shapes a lone utterance runs alone
    }

    [Fact]
    public async Task On_an_fp16_export_the_standard_batched_steps_keep_fp16_matmuls_and_every_row_is_its_own()
    {
        var directory = await MiniatureModels.BuildAsync("tiny", precision: "fp16");
        try
        {
            using var card = SpeechSynthesizer.Load(directory, new ExecutionProviderOptions { IntraOpThreads = 1, FusedCpuGraphs = false });
            var status = card.EnableBatching(new BatchingOptions(Rows: 3));

            Assert.StartsWith("batched: 1 lane(s) of 3 row(s), standard operators, fp16 weights and matmuls; ", status, StringComparison.Ordinal);
            Assert.StartsWith("batched-vs-single codes: identical", BatchedCodesCheck.Run(card, 3, frames: 16), StringComparison.Ordinal);
        }
        finally
        {
            MiniatureModels.Delete(directory);
        }
    }

    [Fact]
    public async Task A_static_shape_card_batches_at_fixed_rows_on_the_shapes_it_compiled_and_keeps_every_utterances_codes()
    {
        var shapes = new StaticShapeOptions { Enabled = true, PrefillLengths = [32, 64], CacheCapacities = [64, 128, 256], ReadyPrefillLength = 32 };
        using var card = SpeechSynthesizer.Load(miniature.Directory, new ExecutionProviderOptions { IntraOpThreads = 1, FusedCpuGraphs = false },
            staticShapes: shapes);
        var status = card.EnableBatching(new BatchingOptions(Rows: 3));

        Assert.StartsWith("batched: 1 lane(s) of 3 row(s), standard operators, fixed rows (static shapes); ", status, StringComparison.Ordinal);
        Assert.Contains("among idle rows", status, StringComparison.Ordinal);
        Assert.Contains("against the card's unbatched steps: talker largest logit difference", status, StringComparison.Ordinal);
        Assert.StartsWith("released: the card's decode lanes run every utterance", card.Acceleration.TalkerStatus, StringComparison.Ordinal); // not held twice
        var plan = StaticShapeWarmUp.Plan(card);
        var lanes = plan.Where(s => s.Graph == BatchedDecodeSteps.TalkerName).ToList();
        Assert.Equal(3 + 6, lanes.Count); // a step of all 3 rows at each capacity, and each prefill length that fits each capacity
        Assert.All(lanes.Where(s => s.Inputs["rows"][1] == 1), s => Assert.Equal(3, s.Inputs["rows"][0]));
        Assert.DoesNotContain(plan, s => s.Graph is SlotDecoderGraph.TalkerName or SlotDecoderGraph.PredictorName); // the lanes run every utterance
        Assert.Equal(15, plan.Count(s => s.Graph.StartsWith(PredictorHeads.NamePrefix, StringComparison.Ordinal)));
        Assert.Equal(plan.Count, StaticShapeWarmUp.Run(card).Shapes);

        var alone = Enumerable.Range(0, 3).Select(i => card.GenerateCodes(Request(i))).ToArray();
        var together = await OnOwnThreads.RunAsync(3, i =>
        {
            Thread.Sleep(i * 15);
            return card.GenerateCodes(Request(i));
        });

        var (runs, rows) = card.Batching!.Counts();
        Assert.True(rows > runs, "no run carried more than one utterance");
        Assert.Equal([3], card.Batching.BatchSizesRun()); // static shapes: one batch size, whoever is in the lane
        using var dynamicCard = SpeechSynthesizer.Load(miniature.Directory, new ExecutionProviderOptions { IntraOpThreads = 1, FusedCpuGraphs = false });
        Assert.StartsWith("batched:", dynamicCard.EnableBatching(new BatchingOptions(Rows: 3)), StringComparison.Ordinal);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(alone[i], together[i]); // each run carries all 3 rows, whoever is in them
            Assert.Equal(dynamicCard.GenerateCodes(Request(i)), alone[i]); // padded prompts and idle rows change nothing
        }
    }

    [Fact]
    public async Task Batched_steps_that_disagree_with_the_cards_checked_steps_leave_the_card_unbatched_and_say_why()
    {
        var directory = await MiniatureModels.BuildAsync("tiny");
        try
        {
            // A wrong talker weight in the checkpoint: the card runs the export's talker; the batched steps are built from the checkpoint.
            CheckpointEdits.Shift(directory, ("talker.model.layers.0.mlp.down_proj.weight", 0, 5f));
            using var card = SpeechSynthesizer.Load(directory, new ExecutionProviderOptions { IntraOpThreads = 1, FusedCpuGraphs = false });

            var status = card.EnableBatching(new BatchingOptions(Rows: 3));

            Assert.Null(card.Batching);
            Assert.StartsWith("unbatched: the batched steps (standard operators) disagree with the card's checked unbatched steps (against the card's unbatched steps: talker largest logit difference",
                status, StringComparison.Ordinal);
            Assert.NotEmpty(card.GenerateCodes(Request(0))); // still served, each utterance on its own
        }
        finally
        {
            MiniatureModels.Delete(directory);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Caches_in_the_cards_own_memory_give_the_codes_host_caches_give_through_growth(bool fusedGraphs)
    {
        // On the CPU the card's memory is the host's, but the caches are made, grown and viewed as on a GPU or NPU:
        // by ONNX Runtime's allocator and graphs, rows as views at an offset.
        using var card = SpeechSynthesizer.Load(miniature.Directory, new ExecutionProviderOptions { IntraOpThreads = 1, FusedCpuGraphs = fusedGraphs });
        Assert.StartsWith("batched:", card.EnableBatching(new BatchingOptions(Rows: 3) { InitialSlots = 16, CachesOnCard = true }), StringComparison.Ordinal);
        Assert.True(card.Batching!.Options.CachesOnCard);
        using var host = SpeechSynthesizer.Load(miniature.Directory, new ExecutionProviderOptions { IntraOpThreads = 1, FusedCpuGraphs = fusedGraphs });
        Assert.StartsWith("batched:", host.EnableBatching(new BatchingOptions(Rows: 3) { InitialSlots = 16, CachesOnCard = false }), StringComparison.Ordinal);

        var onCard = await OnOwnThreads.RunAsync(3, i =>
        {
            Thread.Sleep(i * 15);
            return card.GenerateCodes(Request(i));
        });

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(host.GenerateCodes(Request(i)), onCard[i]); // 16 slots double under running utterances
        }

        var (runs, rows) = card.Batching.Counts();
        Assert.True(rows > runs, "no run carried more than one row");
    }

    [Fact]
    public async Task Lanes_pinned_to_fixed_rows_carry_every_row_in_every_run_and_keep_every_utterances_codes()
    {
        // What a card falls back to where its provider gives a row the same result only at one batch size.
        using var card = SpeechSynthesizer.Load(miniature.Directory, new ExecutionProviderOptions { IntraOpThreads = 1, FusedCpuGraphs = false });
        var status = card.EnableBatching(new BatchingOptions(Rows: 3) { FixedRows = true, InitialSlots = 16 });

        Assert.StartsWith("batched: 1 lane(s) of 3 row(s), standard operators, fixed rows; ", status, StringComparison.Ordinal);
        Assert.Contains("among idle rows", status, StringComparison.Ordinal);
        var alone = Enumerable.Range(0, 3).Select(i => card.GenerateCodes(Request(i))).ToArray();
        var together = await OnOwnThreads.RunAsync(3, i =>
        {
            Thread.Sleep(i * 15);
            return card.GenerateCodes(Request(i));
        });

        Assert.Equal(alone, together);
        var (runs, rows) = card.Batching!.Counts();
        Assert.True(rows > runs, "no run carried more than one utterance");
        Assert.Equal([3], card.Batching.BatchSizesRun()); // a lone utterance's runs carried all three rows too
    }
}
