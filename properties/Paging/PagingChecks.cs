namespace MMSpec.Properties.Paging;

/// <summary>
/// The conformance levels (docs/README.md, "Conformance levels"), as the groups of checks a paging lockstep run
/// makes after each step.
/// </summary>
[Flags]
public enum PagingChecks
{
    /// <summary>Level 1: same result (value or typed fault) as the model, frame ownership, entries within their VMAs'
    /// rights, bad input changes nothing, non-canonical always faults.</summary>
    Safe = 1,

    /// <summary>Level 3: the same tables, entries (with A and D), VMAs, page cache, RSS and VmPTE bytes as the model
    /// after every step.</summary>
    Exact = 4,

    All = Safe | Exact,
}
