namespace QwenTts.Storage.Audio;

/// <summary>The jobs' audio store; bound from <c>Jobs:Store</c>.</summary>
public sealed class AudioStoreOptions
{
    public const string Section = "Jobs:Store";

    /// <summary>Folder of the local filesystem store. Every frontend of a cluster must see the same folder (or use an object store).</summary>
    public string Directory { get; set; } = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "qwentts", "audio");
}
