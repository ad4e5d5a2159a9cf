using QwenTts.Silo.Commands;

return await SiloCommandLine.RunAsync(args);
