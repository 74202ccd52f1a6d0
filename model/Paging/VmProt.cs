namespace MMSpec.Model.Paging;

/// <summary>
/// PROT_READ, PROT_WRITE, PROT_EXEC as mmap and mprotect take them (VM_READ, VM_WRITE, VM_EXEC in a VMA).
/// </summary>
[Flags]
public enum VmProt
{
    None = 0,
    Read = 1,
    Write = 2,
    Exec = 4,
}

/// <summary>rwx text as /proc/pid/maps prints a VMA's protection.</summary>
public static class VmProtText
{
    public static string Of(VmProt prot) =>
        $"{(prot.HasFlag(VmProt.Read) ? 'r' : '-')}{(prot.HasFlag(VmProt.Write) ? 'w' : '-')}"
        + $"{(prot.HasFlag(VmProt.Exec) ? 'x' : '-')}";
}
