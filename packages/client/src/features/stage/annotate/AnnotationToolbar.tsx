import type { JSX, KeyboardEvent } from 'react';
import { ANNOTATION_TOOLS } from '@amphi/protocol';
import { Icon } from '../../../ui/Icon.tsx';
import { useI18n } from '../../../ui/i18n.tsx';
import type { DrawingTool } from './AnnotationLayer.tsx';

export interface AnnotationToolbarProps {
  tool: DrawingTool | null;
  onTool: (tool: DrawingTool | null) => void;
  width: number;
  onWidth: (w: number) => void;
  /** The user's own colour (shown as a swatch; colours are assigned per person by the server). */
  color: string;
  moderator: boolean;
  onUndo: () => void;
  onClearMine: () => void;
  /** Shown only to moderators. */
  onClearAll: () => void;
  onSave: () => void;
}

/** Line widths offered, relative to the content's width (fine, medium, bold). */
export const STROKE_WIDTHS = [0.002, 0.005, 0.012] as const;

const TOOLS: readonly DrawingTool[] = [...ANNOTATION_TOOLS, 'eraser'];

/**
 * The drawing tools: pick a tool (picking it again puts it down), a line width, undo, clear
 * and save. Wraps on narrow screens; every button is a 44 px target. Arrow keys move between
 * buttons, and Ctrl/Cmd+Z undoes while focus is in the toolbar.
 */
export function AnnotationToolbar({ tool, onTool, width, onWidth, color, moderator, onUndo, onClearMine, onClearAll, onSave }: AnnotationToolbarProps): JSX.Element {
  const { t } = useI18n();

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if ((e.ctrlKey || e.metaKey) && !e.shiftKey && !e.altKey && e.key.toLowerCase() === 'z') {
      e.preventDefault();
      onUndo();
      return;
    }
    const step = e.key === 'ArrowRight' || e.key === 'ArrowDown' ? 1 : e.key === 'ArrowLeft' || e.key === 'ArrowUp' ? -1 : e.key === 'Home' ? -Infinity : e.key === 'End' ? Infinity : 0;
    if (step === 0) return;
    const buttons = [...e.currentTarget.querySelectorAll<HTMLButtonElement>('button:not(:disabled)')];
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    const next = step === -Infinity ? 0 : step === Infinity ? buttons.length - 1 : (at + step + buttons.length) % buttons.length;
    e.preventDefault();
    buttons[next]?.focus();
  };

  // The closest offered width is shown as chosen, whatever the parent stored.
  const chosenWidth = STROKE_WIDTHS.reduce((best, w) => (Math.abs(w - width) < Math.abs(best - width) ? w : best));

  return (
    <div className="annotation-toolbar" role="toolbar" aria-label={t('annotate.toolbar')} data-testid="annotation-toolbar" onKeyDown={onKeyDown}>
      <div className="annotation-group">
        {TOOLS.map((name) => (
          <button
            key={name}
            type="button"
            className="annotation-button"
            aria-pressed={tool === name}
            aria-label={t(`annotate.tool.${name}`)}
            title={t(`annotate.tool.${name}`)}
            data-testid={`tool-${name}`}
            onClick={() => onTool(tool === name ? null : name)}
          >
            <Icon name={TOOL_ICONS[name]} />
          </button>
        ))}
      </div>
      <div className="annotation-group" role="group" aria-label={t('annotate.size')}>
        {STROKE_WIDTHS.map((w, i) => (
          <button
            key={w}
            type="button"
            className="annotation-button"
            aria-pressed={w === chosenWidth}
            aria-label={`${t('annotate.size')} ${i + 1}/${STROKE_WIDTHS.length}`}
            title={`${t('annotate.size')} ${i + 1}/${STROKE_WIDTHS.length}`}
            data-testid={`width-${i + 1}`}
            onClick={() => onWidth(w)}
          >
            <span className="annotation-dot" style={{ width: 4 + i * 5, height: 4 + i * 5, background: color }} aria-hidden="true" />
          </button>
        ))}
      </div>
      <span className="annotation-swatch" style={{ background: color }} aria-hidden="true" data-own-color={color} />
      <div className="annotation-group">
        <button type="button" className="annotation-button" aria-label={t('annotate.undo')} title={`${t('annotate.undo')} (Ctrl+Z)`} aria-keyshortcuts="Control+Z Meta+Z" data-testid="annotate-undo" onClick={onUndo}>
          <Icon name="undo" />
        </button>
        <button type="button" className="annotation-button" aria-label={t('annotate.clearMine')} title={t('annotate.clearMine')} data-testid="annotate-clear-mine" onClick={onClearMine}>
          <Icon name="trash" />
        </button>
        {moderator && (
          <button type="button" className="annotation-button danger" aria-label={t('annotate.clearAll')} title={t('annotate.clearAll')} data-testid="annotate-clear-all" onClick={onClearAll}>
            <Icon name="trashAll" />
          </button>
        )}
        <button type="button" className="annotation-button" aria-label={t('annotate.save')} title={t('annotate.save')} data-testid="annotate-save" onClick={onSave}>
          <Icon name="download" />
        </button>
      </div>
    </div>
  );
}

const TOOL_ICONS = {
  pen: 'pen',
  highlighter: 'highlighter',
  line: 'line',
  arrow: 'arrow',
  rectangle: 'rectangle',
  ellipse: 'ellipse',
  text: 'text',
  eraser: 'eraser',
} as const satisfies Record<DrawingTool, string>;
