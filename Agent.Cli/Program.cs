using AgentRnn.Cli;

return await AgentCli.RunAsync(args);
