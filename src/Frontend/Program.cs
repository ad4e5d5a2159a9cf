using QwenTts.Frontend.Admin;
using QwenTts.Frontend.Hosting;

if (args.Length > 0 && args[0] == "admin")
{
    return await AdminCommand.RunAsync(args[1..]);
}

await FrontendHost.Build(args).RunAsync();
return 0;
