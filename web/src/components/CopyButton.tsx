import { useState } from 'react';
import { useI18n } from '@/lib/i18n';

/** Copies `text` to the clipboard and says so for a moment (also to screen readers). */
export function CopyButton({ text, label }: { text: string; label?: string }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      setCopied(false);
    }
  };
  return (
    <button type="button" onClick={copy}>
      {label ?? t('common.copy')}
      <span role="status" className="copy-status">
        {copied ? ` ✓ ${t('common.copied')}` : ''}
      </span>
    </button>
  );
}
