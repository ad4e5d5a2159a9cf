namespace QwenTts.Engine.Batching;

/// <summary>An utterance's talker and code predictor in one (a lane row serves both).</summary>
public interface ITalkerAndPredictor : QwenTts.Engine.Pipeline.ITalker, QwenTts.Engine.Pipeline.ICodePredictor
{
    /// <summary>The utterance steps away from its lane (its consumer takes a frame) or comes back.</summary>
    void SetAway(bool away);
}
