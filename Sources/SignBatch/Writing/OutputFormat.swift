/// Output formats (`--format`); the default follows the input.
public enum OutputFormat: String, Sendable, CaseIterable {
    case csv, xml, jsonl
}
