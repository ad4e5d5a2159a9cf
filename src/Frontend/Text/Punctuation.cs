namespace QwenTts.Frontend.Text;

/// <summary>The marks that end sentences and clauses, shared by the whole-text and the incremental splitter.</summary>
public static class Punctuation
{
    /// <summary>Chinese and Japanese sentence ends: a sentence is over as soon as one appears.</summary>
    public static readonly char[] CjkSentenceEnds = ['。', '！', '？', '；', '…'];

    /// <summary>Western sentence ends: over only if a space follows (3.14, U.S.A.).</summary>
    public static readonly char[] WesternSentenceEnds = ['.', '!', '?'];

    public static readonly char[] SentenceEnds = [.. WesternSentenceEnds, .. CjkSentenceEnds];

    public static readonly char[] ClauseMarks = [',', '，', '、', ';', ':', '：'];

    /// <summary>Closing quotes and brackets that belong to the sentence before them.</summary>
    public static readonly char[] Closers = ['"', '\'', '”', '’', '」', '』', ')', '）', '»'];

    public static bool IsSentenceEnd(char c) => Array.IndexOf(SentenceEnds, c) >= 0;

    public static bool IsClauseMark(char c) => Array.IndexOf(ClauseMarks, c) >= 0;

    public static bool IsCloser(char c) => Array.IndexOf(Closers, c) >= 0;
}
