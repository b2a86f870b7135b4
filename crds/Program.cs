using Nexus.Crds.Schema;

// Writes the CRD YAML generated from the entity types into the given folder (default: the current one).
var outputDirectory = args.Length > 0 ? args[0] : Directory.GetCurrentDirectory();
Directory.CreateDirectory(outputDirectory);
foreach (var (fileName, yaml) in CrdGenerator.GenerateAll())
{
    var path = Path.Combine(outputDirectory, fileName);
    File.WriteAllText(path, yaml);
    Console.WriteLine($"wrote {path}");
}
