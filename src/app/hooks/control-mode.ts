import { controlMode, type ControlMode, type ControlName } from '../instructor/controls';
import { useSettings } from '../stores/settings-store';

/** How an instructor link shows this control: shown, locked or hidden (fixed for the page's life). */
export function useControlMode(name: ControlName): ControlMode {
  return useSettings((s) => controlMode(s.instructor, name));
}
