using System;
using StaticNet.Tool;

return Cli.Run(args, Console.Out, Console.Error);
