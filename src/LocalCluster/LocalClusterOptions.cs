using System.Globalization;

namespace QwenTts.LocalCluster;

/// <summary>Command line of the embedded default: <c>[--silos N] [--port P] [--postgres-port P] [--no-clone]</c>.</summary>
public sealed record LocalClusterOptions(int Silos, int FrontendPort, int PostgresPort, bool WithBaseModel)
{
    public static LocalClusterOptions Parse(string[] args)
    {
        var options = new LocalClusterOptions(Silos: 2, FrontendPort: 8080, PostgresPort: 55432, WithBaseModel: true);
        for (var i = 0; i < args.Length; i++)
        {
            options = args[i] switch
            {
                "--silos" => options with { Silos = Number(args, ++i) },
                "--port" => options with { FrontendPort = Number(args, ++i) },
                "--postgres-port" => options with { PostgresPort = Number(args, ++i) },
                "--no-clone" => options with { WithBaseModel = false },
                _ => throw new ArgumentException($"Unknown option {args[i]}. Options: --silos N, --port P, --postgres-port P, --no-clone."),
            };
        }

        return options;
    }

    private static int Number(string[] args, int index) => index < args.Length
        ? int.Parse(args[index], CultureInfo.InvariantCulture)
        : throw new ArgumentException($"{args[index - 1]} needs a number.");
}
