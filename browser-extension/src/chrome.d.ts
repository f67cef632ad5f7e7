// The part of the `chrome.*` extension API this extension uses, typed from Chrome's documentation
// (https://developer.chrome.com/docs/extensions/reference/api). Small on purpose: @types/chrome
// is not a dependency, and a wrong signature here would show up in the end-to-end test.

type ChromeEvent<listener extends (...args: never[]) => unknown> = {
  addListener(listener: listener): void
  removeListener(listener: listener): void
}

type ChromeStorageChange = { oldValue?: unknown; newValue?: unknown }

type ChromeStorageArea = {
  get(keys: string | string[] | null): Promise<Record<string, unknown>>
  set(items: Record<string, unknown>): Promise<void>
  remove(keys: string | string[]): Promise<void>
  onChanged: ChromeEvent<(changes: Record<string, ChromeStorageChange>) => void>
}

type ChromeTab = { id?: number; url?: string; title?: string; windowId: number }

type ChromeMessageSender = { id?: string; url?: string; origin?: string; tab?: ChromeTab; frameId?: number }

type ChromeContextMenuInfo = { menuItemId: string | number; selectionText?: string; pageUrl?: string; frameId?: number }

type ChromeInjectionResult<result> = { frameId: number; result?: result }

type ChromeApi = {
  runtime: {
    id: string
    getURL(path: string): string
    sendMessage<response = unknown>(message: unknown): Promise<response>
    onMessage: ChromeEvent<(message: unknown, sender: ChromeMessageSender, sendResponse: (response: unknown) => void) => boolean | undefined>
    onInstalled: ChromeEvent<(details: { reason: string }) => void>
    onStartup: ChromeEvent<() => void>
    lastError?: { message?: string }
  }
  storage: {
    local: ChromeStorageArea
    session: ChromeStorageArea & { setAccessLevel(options: { accessLevel: 'TRUSTED_CONTEXTS' | 'TRUSTED_AND_UNTRUSTED_CONTEXTS' }): Promise<void> }
  }
  alarms: {
    create(name: string, info: { when?: number; delayInMinutes?: number }): Promise<void>
    clear(name: string): Promise<boolean>
    onAlarm: ChromeEvent<(alarm: { name: string; scheduledTime: number }) => void>
  }
  contextMenus: {
    create(properties: { id: string; title: string; contexts: ('page' | 'selection' | 'frame')[] }): void
    removeAll(): Promise<void>
    onClicked: ChromeEvent<(info: ChromeContextMenuInfo, tab?: ChromeTab) => void>
  }
  scripting: {
    executeScript<args extends unknown[], result>(injection: {
      target: { tabId: number; frameIds?: number[] }
      func: (...args: args) => result
      args?: args
    }): Promise<ChromeInjectionResult<Awaited<result>>[]>
  }
  tabs: {
    create(properties: { url: string; active?: boolean }): Promise<ChromeTab>
    query(query: { url?: string | string[] }): Promise<ChromeTab[]>
    update(tabId: number, properties: { active?: boolean; url?: string }): Promise<ChromeTab>
  }
  windows: { update(windowId: number, properties: { focused?: boolean }): Promise<unknown> }
  action: { onClicked: ChromeEvent<(tab: ChromeTab) => void> }
  permissions: {
    contains(permissions: { origins?: string[] }): Promise<boolean>
    request(permissions: { origins?: string[] }): Promise<boolean>
  }
}

declare const chrome: ChromeApi
