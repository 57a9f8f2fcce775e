using Agent.Host.Cli;

return await AgentCli.RunAsync(args);
