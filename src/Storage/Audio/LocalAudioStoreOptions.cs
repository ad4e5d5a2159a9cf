namespace QwenTts.Storage.Audio;

/// <summary>The local filesystem audio store (<c>Jobs:Store=local</c>); bound from <c>Jobs:Local</c>.</summary>
public sealed class LocalAudioStoreOptions
{
    public const string Section = "Jobs:Local";

    /// <summary>Folder of the local filesystem store. Every frontend of a cluster must see the same folder (or use the S3 store).</summary>
    public string Directory { get; set; } = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "qwentts", "audio");
}
