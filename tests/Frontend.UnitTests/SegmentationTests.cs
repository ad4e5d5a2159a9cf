using QwenTts.Frontend.Text;

namespace QwenTts.Frontend.UnitTests;

/// <summary>Per-language segment limits on real sentences, and the incremental splitter that feeds the WebSocket.</summary>
public sealed class SegmentationTests
{
    private static readonly SentenceSegmenter Defaults = new(new SegmentationOptions());

    [Fact]
    public void A_long_chinese_sentence_is_cut_at_its_commas_into_pieces_of_at_most_40_characters()
    {
        const string sentence = "随着人工智能技术的快速发展，越来越多的企业开始利用语音合成系统为客户提供更加自然流畅的服务体验，同时也对系统的稳定性和响应速度提出了更高的要求。";

        var segments = Defaults.Split(sentence);

        Assert.Equal(["随着人工智能技术的快速发展，", "越来越多的企业开始利用语音合成系统为客户提供更加自然流畅的服务体验，", "同时也对系统的稳定性和响应速度提出了更高的要求。"], segments);
    }

    [Fact]
    public void A_chinese_run_without_commas_is_cut_at_word_boundaries_never_inside_a_word()
    {
        const string run = "中华人民共和国国务院新闻办公室今天上午在北京举行新闻发布会介绍前三季度国民经济运行情况并回答记者提问。";

        var segments = Defaults.Split(run);

        Assert.True(segments.Count >= 2, string.Join(" | ", segments));
        Assert.All(segments, s => Assert.True(s.Length <= 40, s));
        Assert.Equal(run, string.Concat(segments));
        var words = ChineseWordBreaks.Boundaries(run).ToHashSet();
        var offset = 0;
        foreach (var segment in segments.SkipLast(1))
        {
            offset += segment.Length;
            Assert.Contains(offset, words);
        }

        foreach (var word in new[] { "中华人民共和国", "国务院", "新闻发布会", "国民经济", "记者" })
        {
            Assert.Contains(segments, s => s.Contains(word, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Jieba_finds_the_words_of_a_real_sentence()
    {
        const string text = "我们计划在下个月推出新版本";

        var boundaries = ChineseWordBreaks.Boundaries(text);

        // 我们 / 计划 / 在 / 下个月 / 推出 / 新 / 版本 (jieba's dictionary)
        Assert.Contains(2, boundaries);
        Assert.Contains(4, boundaries);
        Assert.DoesNotContain(3, boundaries);
        Assert.DoesNotContain(1, boundaries);
        Assert.Equal(text.Length, boundaries[^1]);
    }

    [Fact]
    public void Western_text_keeps_its_own_limits_and_is_cut_at_clause_boundaries()
    {
        var sentence = "When the storm finally passed over the valley, the villagers came out of their houses, looked at the fallen trees, "
                       + "counted the broken windows, and began, slowly and without complaint, to clear the roads that led down to the river, "
                       + "where the old mill had stood for more than two hundred years before the water took it away.";
        var chinese = "今天的会议讨论了明年的预算安排，大家一致认为应该加大对研发的投入，同时控制行政开支。";

        var segments = Defaults.Split(sentence + " " + chinese);

        Assert.All(segments.Where(s => !SentenceSegmenter.IsChinese(s)), s => Assert.True(s.Length <= 300, s));
        Assert.All(segments.Where(s => !SentenceSegmenter.IsChinese(s)).SkipLast(1), s => Assert.EndsWith(",", s));
        Assert.True(segments.Count(s => !SentenceSegmenter.IsChinese(s)) >= 2);
        Assert.Equal(["今天的会议讨论了明年的预算安排，大家一致认为应该加大对研发的投入，", "同时控制行政开支。"], segments.Where(SentenceSegmenter.IsChinese));
    }

    [Fact]
    public void Limits_are_settings_per_language()
    {
        var options = new SegmentationOptions { Chinese = new SegmentLimits { TargetCharacters = 20, MaxCharacters = 20 } };
        const string sentence = "今天的会议讨论了明年的预算安排，大家一致认为应该加大对研发的投入。";

        var segments = new SentenceSegmenter(options).Split(sentence);

        Assert.Equal(["今天的会议讨论了明年的预算安排，", "大家一致认为应该加大对研发的投入。"], segments);
    }

    [Fact]
    public void The_incremental_splitter_waits_for_a_sentence_to_be_complete()
    {
        var splitter = new IncrementalSentenceSplitter(maxPending: 150);

        Assert.Empty(splitter.Add("Hel"));
        Assert.Empty(splitter.Add("lo there."));       // could still be "there.com": wait for the next character
        Assert.Equal(["Hello there."], splitter.Add(" Pi is 3."));
        Assert.Empty(splitter.Add("14"));
        Assert.Equal([" Pi is 3.14!"], splitter.Add("! 今天"));
        Assert.Equal([" 今天天气很好。"], splitter.Add("天气很好。"));  // Chinese ends at once
        Assert.True(splitter.HasPending is false);
        Assert.Empty(splitter.Add("no end yet"));
        Assert.Equal("no end yet", splitter.Flush());
    }

    [Fact]
    public void The_incremental_splitter_cuts_unpunctuated_text_at_a_bound()
    {
        var english = new IncrementalSentenceSplitter(maxPending: 30);
        var chinese = new IncrementalSentenceSplitter(maxPending: 20);

        var words = english.Add("this text goes on and on without any punctuation at all");
        var han = chinese.Add("中华人民共和国国务院新闻办公室今天上午在北京举行新闻发布会");

        Assert.Equal("this text goes on and on ", Assert.Single(words));
        var cut = Assert.Single(han);
        Assert.True(cut.Length <= 20);
        Assert.Contains(cut.Length, ChineseWordBreaks.Boundaries("中华人民共和国国务院新闻办公室今天上午在北京举行新闻发布会"));
    }
}
