using QwenTts.Silo.Hosting;

namespace QwenTts.Silo.Commands;

/// <summary>
/// <c>QwenTts.Silo [run]</c> hosts the silo; <c>migrate</c> applies the PostgreSQL schema; <c>doctor</c> says what this
/// host can serve and why not; <c>bench</c> measures its cards; <c>model-check</c> proves a model folder on a card;
/// <c>capacity</c> says how many cards of each kind a traffic profile needs.
/// Every other argument is configuration (<c>--Silo:Name=a</c>); the connection string only by environment or file, never argv.
/// </summary>
public static class SiloCommandLine
{
    public static async Task<int> RunAsync(string[] args)
    {
        var (command, rest) = args.Length > 0 && !args[0].StartsWith('-') ? (args[0], args[1..]) : ("run", args);
        switch (command)
        {
            case "run":
                await SiloHost.Build(rest).RunAsync();
                return 0;
            case "migrate":
                return await MigrateCommand.RunAsync(rest);
            case "doctor":
                return await DoctorCommand.RunAsync(rest);
            case "bench":
                return await BenchCommand.RunAsync(rest);
            case "model-check":
                return ModelCheckCommand.Run(rest);
            case "capacity":
                return await CapacityCommand.RunAsync(rest);
            default:
                await Console.Error.WriteLineAsync($"Unknown command '{command}'. Commands: run (default), migrate, doctor [--load], bench [--sentences N] [--levels 1,4,8], model-check DIR [--hf DIR] [--provider P] [--device N] [--deep], capacity --rate R --chars C --p99 S [--throughput KIND=FPS,...].");
                return 2;
        }
    }
}
