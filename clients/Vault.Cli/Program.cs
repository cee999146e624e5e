using Vault.Cli;

return await CliApp.RunAsync(args, Console.Out, Console.Error, Console.In, Environment.GetEnvironmentVariable,
    promptSecret: Console.IsInputRedirected ? null : Terminal.ReadSecret, progress: Terminal.ProgressWriter());
