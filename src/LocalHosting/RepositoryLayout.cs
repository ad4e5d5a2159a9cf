namespace QwenTts.LocalHosting;

/// <summary>Finds the checkout (the folder holding QwenTts.sln) and the build outputs inside it.</summary>
public static class RepositoryLayout
{
    public static string Root { get; } = FindRoot();

    /// <summary>Configuration of the running build (Debug or Release), so launched processes match it.</summary>
    public static string Configuration { get; } =
#if DEBUG
        "Debug";
#else
        "Release";
#endif

    public static string LocalDataDirectory => Path.Combine(Root, ".local");

    public static string ModelsBuildDirectory => Path.Combine(Root, "models", ".build");

    /// <summary>Path of a project's built entry assembly, e.g. ("Silo", "QwenTts.Silo").</summary>
    public static string ProjectAssembly(string projectFolder, string assemblyName)
    {
        var path = Path.Combine(Root, "src", projectFolder, "bin", Configuration, "net10.0", assemblyName + ".dll");
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"{assemblyName} is not built at {path}. Build the solution first (dotnet build -c {Configuration}).", path);
    }

    private static string FindRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "QwenTts.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("QwenTts.sln not found above " + AppContext.BaseDirectory);
    }
}
