using QwenTts.Engine.Batching;
using QwenTts.Engine.Diagnostics;
using QwenTts.Engine.Pipeline;
using QwenTts.Engine.Prompt;
using QwenTts.Engine.Runtime;
using QwenTts.Engine.Sampling;

namespace QwenTts.Engine.UnitTests;

/// <summary>
/// A card whose utterances share batched decode steps in lanes: every utterance's codes are the ones it makes alone on
/// that card, whoever joins or leaves beside it, and one that is cancelled or resumed changes nobody else's.
/// </summary>
[Collection(MiniatureCollection.Name)]
public sealed class ContinuousBatchingTests(MiniatureFixture miniature) : IDisposable
{
    private readonly SpeechSynthesizer _card = LoadBatched(miniature.Directory, new BatchingOptions(Rows: 4));

    private static SpeechSynthesizer LoadBatched(string directory, BatchingOptions options)
    {
        var card = SpeechSynthesizer.Load(directory, new ExecutionProviderOptions { IntraOpThreads = 1 });
        card.EnableBatching(options);
        return card;
    }

    private static readonly string[] Texts =
    [
        "Hello there.",
        "A somewhat longer sentence, so that this utterance stays in the lane after the first one left.",
        "Numbers: one, two, three, four, five.",
        "The quick brown fox jumps over the lazy dog, twice over, for good measure.",
        "Short again.",
        "Batching must never change what anyone hears.",
    ];

    private static SynthesisRequest Request(int i) => new()
    {
        Text = Texts[i % Texts.Length],
        Language = "english",
        Voice = new VoicePrompt.Designed(i % 2 == 0 ? "A calm, low voice" : "A bright, quick voice"),
        Seed = 1000UL + (ulong)i,
        Sampling = new SamplingOptions { MaxFramesPerTextToken = 3, MinNewTokens = 10 + (7 * i) },
    };

    private static string Key(IEnumerable<int[]> frames) => string.Join(";", frames.Select(f => string.Join(",", f)));

    [Fact]
    public void The_card_batches_and_says_so()
    {
        Assert.NotNull(_card.Batching);
        Assert.StartsWith("batched: 1 lane(s) of 4 row(s)", _card.BatchingStatus, StringComparison.Ordinal);
        Assert.Contains("identical", _card.BatchingStatus, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Utterances_that_join_and_leave_at_different_times_make_the_codes_each_makes_alone()
    {
        var alone = Enumerable.Range(0, 6).Select(i => Key(_card.GenerateCodes(Request(i)))).ToArray();
        var before = _card.Batching!.Counts();

        // Six utterances on four rows, started at staggered moments: they join mid-frame, leave at their own EOS, and the
        // last two wait for rows to free.
        var together = await OnOwnThreads.RunAsync(6, i =>
        {
            Thread.Sleep(i * 15);
            return Key(_card.GenerateCodes(Request(i)));
        });

        Assert.Equal(alone, together);
        var meanBatch = _card.Batching.MeanBatchSince(before);
        Assert.True(meanBatch > 1.5, $"mean batch {meanBatch:F2}: the utterances did not share steps");
        Assert.Equal(0, _card.Batching.Members);
    }

    [Fact]
    public async Task A_cancelled_utterance_leaves_its_row_and_changes_nobody_elses_codes()
    {
        var alone = Enumerable.Range(0, 3).Select(i => Key(_card.GenerateCodes(Request(i + 1)))).ToArray();
        using var cancel = new CancellationTokenSource();
        var doomed = Task.Run(async () =>
        {
            var frames = 0;
            await foreach (var chunk in _card.SynthesizeAsync(Request(3) with { Sampling = new SamplingOptions { MinNewTokens = 150, MaxNewTokens = 150 } }, cancel.Token))
            {
                if ((frames += chunk.Codes.Length / 16) >= 20)
                {
                    await cancel.CancelAsync();
                }
            }
        });
        var others = await OnOwnThreads.RunAsync(3, i => Key(_card.GenerateCodes(Request(i + 1))));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => doomed);
        Assert.Equal(alone, others);
        SpinWait.SpinUntil(() => _card.Batching!.Members == 0, TimeSpan.FromSeconds(5));
        Assert.Equal(0, _card.Batching!.Members);
    }

    [Fact]
    public async Task A_resumed_utterance_replays_beside_others_and_continues_as_it_would_have()
    {
        var request = Request(4) with { Sampling = new SamplingOptions { MinNewTokens = 60, MaxNewTokens = 60 } };
        var whole = _card.GenerateCodes(request);
        var neighbours = Enumerable.Range(0, 2).Select(i => Key(_card.GenerateCodes(Request(i)))).ToArray();

        var made = 0;
        var resumed = OnOwnThreads.RunAsync(1, _ => _card.GenerateCodes(request with
        {
            ResumeFrames = whole.Take(25).ToList(),
            FrameMade = () => Interlocked.Increment(ref made), // on the lane's thread, as each frame is made
        }));
        var others = await OnOwnThreads.RunAsync(2, i => Key(_card.GenerateCodes(Request(i))));

        Assert.Equal(Key(whole.Skip(25)), Key((await resumed)[0]));
        Assert.Equal(neighbours, others);
        Assert.Equal(whole.Count - 25, made); // the frames it made, not the 25 it replayed
    }

    [Fact]
    public async Task Two_lanes_give_the_same_codes_as_one()
    {
        using var twoLanes = LoadBatched(miniature.Directory, new BatchingOptions(Rows: 2, Lanes: 2));
        var one = await OnOwnThreads.RunAsync(4, i => Key(_card.GenerateCodes(Request(i))));
        var two = await OnOwnThreads.RunAsync(4, i => Key(twoLanes.GenerateCodes(Request(i))));

        Assert.Equal(one, two);
    }

    [Fact]
    public async Task A_lane_whose_caches_grow_mid_utterance_keeps_every_utterances_codes()
    {
        using var small = LoadBatched(miniature.Directory, new BatchingOptions(Rows: 3) { InitialSlots = 8 });
        var alone = Enumerable.Range(0, 3).Select(i => Key(_card.GenerateCodes(Request(i)))).ToArray();

        var together = await OnOwnThreads.RunAsync(3, i => Key(small.GenerateCodes(Request(i))));

        Assert.Equal(alone, together); // 8 slots double to 16, 32, 64, 128 under running utterances
    }

    [Fact]
    public void Model_check_reports_batched_codes_identical_to_single_and_an_unbatched_card_says_why_not()
    {
        Assert.StartsWith("batched-vs-single codes: identical (3 utterances", BatchedCodesCheck.Run(_card, 3, frames: 20), StringComparison.Ordinal);
        Assert.Equal("batched-vs-single codes: not checked (unbatched (not asked for))", BatchedCodesCheck.Run(miniature.Synthesizer, 3));
    }

    public void Dispose() => _card.Dispose();
}
