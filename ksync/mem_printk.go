package ksync

import (
	"fmt"
	"strings"
)

// memState is the kernel state of the memory model's files (mem_*.go), started
// afresh with each execution.
type memState struct {
	// The printk record that may still be continued (KERN_CONT): its caller
	// (printk_caller_id), its timestamp, its length, and the length dmesg had right
	// after it; any other message since then has finalised it.
	contCaller int
	contTS     string
	contLen    int
	contEnd    int
	caches     []*KmemCache // kmem_cache_create's caches, in order (mem_slab.go)
}

// printkCallerID is printk_caller_id (kernel/printk/printk.c): the task's PID in
// task context, 0x80000000 + the CPU in an interrupt.
func (t *Task) printkCallerID() int {
	if t.inIRQ {
		return 0x80000000 + t.cpu
	}
	return t.PID
}

// PrintkStore is vprintk_store (kernel/printk/printk.c) of a formatted message:
// printk_parse_prefix takes the KERN_<level> and KERN_CONT prefixes ("\001" then a
// digit or 'c') off its start; a trailing newline ends the record (LOG_NEWLINE). A
// KERN_CONT message is appended to the last record when that record is the same
// caller's and still open (prb_reserve_in_last): no newline ended it and no other
// message came since; otherwise it is a record of its own. The record is cut at
// PRINTKRB_RECORD_MAX. It returns the length stored, as printk returns it.
func (t *Task) PrintkStore(text string) int {
	k := t.k
	cont := false
	for len(text) >= 2 && text[0] == '\001' && (text[1] >= '0' && text[1] <= '7' || text[1] == 'c') {
		cont = cont || text[1] == 'c'
		text = text[2:]
	}
	// printk_sprint: vscnprintf into a record of at most PRINTKRB_RECORD_MAX bytes,
	// its NUL included.
	text = text[:min(len(text), PrintkRecordMax-1)]
	newline := strings.HasSuffix(text, "\n")
	text = strings.TrimSuffix(text, "\n")
	m := &k.memx
	caller := t.printkCallerID()
	if cont && m.contEnd > 0 && m.contEnd == len(k.log) && m.contCaller == caller {
		text = text[:min(len(text), PrintkRecordMax-m.contLen)]
		// The record's lines all carry its timestamp.
		k.log = append(k.log[:len(k.log)-1], strings.ReplaceAll(text, "\n", "\n"+m.contTS)...)
		k.log = append(k.log, '\n')
		m.contLen += len(text)
	} else {
		m.contTS = k.timestamp(0)
		k.printk(text)
		m.contCaller, m.contLen = caller, len(text)
	}
	m.contEnd = 0
	if !newline {
		m.contEnd = len(k.log)
	}
	return len(text)
}

// VsprintfInvalid is format_decode's WARN_ONCE for a conversion the kernel's
// vsnprintf refuses (lib/vsprintf.c: "Please remove unsupported %%%c in format
// string"); c is NUL for a '%' that ends the format, whose message the NUL cuts.
func (t *Task) VsprintfInvalid(c byte) {
	msg := fmt.Sprintf("Please remove unsupported %%%c in format string", c)
	if c == 0 {
		msg = "Please remove unsupported %"
	}
	const file = "lib/vsprintf.c:2659"
	site := "unsupported conversion in a format at " + t.where()
	for _, o := range t.k.warnedOnce {
		if o.file == file {
			t.silenced(o.by, site)
			return
		}
	}
	t.k.warnedOnce = append(t.k.warnedOnce, onceSite{file, reportedBy{t.th, site, false}})
	t.warn(msg, file, "format_decode+0x3c1/0x590", site)
}

// VsnprintfTooLarge is vsnprintf's WARN_ON_ONCE(size > INT_MAX) (lib/vsprintf.c):
// a buffer size past INT_MAX is refused, and nothing is written.
func (t *Task) VsnprintfTooLarge() {
	t.warnOnce("lib/vsprintf.c:2741", "vsnprintf+0x5c/0x1e80", "vsnprintf with a size above INT_MAX at "+t.where())
}
