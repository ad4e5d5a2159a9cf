namespace QwenTts.Grains;

/// <summary>Names of the grain storage providers the silo registers.</summary>
public static class StorageNames
{
    /// <summary>PostgreSQL-backed storage for voices and other durable grain state.</summary>
    public const string Voices = "voices";
}
