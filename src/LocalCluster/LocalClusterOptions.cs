using System.Globalization;

namespace QwenTts.LocalCluster;

/// <summary>Command line of the embedded default: <c>[--silos N] [--port P] [--postgres-port P]</c>.</summary>
public sealed record LocalClusterOptions(int Silos, int FrontendPort, int PostgresPort)
{
    public static LocalClusterOptions Parse(string[] args)
    {
        var options = new LocalClusterOptions(Silos: 2, FrontendPort: 8080, PostgresPort: 55432);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var value = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            options = args[i] switch
            {
                "--silos" => options with { Silos = value },
                "--port" => options with { FrontendPort = value },
                "--postgres-port" => options with { PostgresPort = value },
                _ => throw new ArgumentException($"Unknown option {args[i]}. Options: --silos N, --port P, --postgres-port P."),
            };
        }

        return options;
    }
}
