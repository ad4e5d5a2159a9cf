namespace QwenTts.Devices.Cards;

/// <summary>Where an utterance waiting for a card's slot stands in line, and how far past the card's figure it may start.</summary>
public enum SlotUrgency
{
    /// <summary>A new request: in line by when it reached the cluster, it starts within what the card runs at once.</summary>
    New,

    /// <summary>
    /// A stream moved off a card that fell behind playback, its listener still playing what it has: first in line, but it
    /// starts only within what the card runs at once (starting past that would put every stream on the card behind).
    /// </summary>
    Moved,

    /// <summary>
    /// A stream resumed after its card failed or stalled, its listener in silence: first in line, ahead of moved streams
    /// and behind resumed ones that asked first, and it starts within what the card runs at once plus its resume headroom.
    /// </summary>
    Resumed,
}
